// The seed program's first figure: plt.subplot(3, 3, i + 1); plt.title("Ground Truth: ..."); imshow.
#include "fovea/viz/figures.hpp"
#include "input_checks.hpp"
#include "titled_grid.hpp"

namespace fovea::viz {

Picture sample_grid(const std::vector<Tensor>& images, const std::vector<std::string>& titles, int columns) {
  const std::string figure = "sample_grid";
  require_non_empty(images.size(), figure, "images");
  if (titles.size() != images.size())
    refuse(figure, "expected one title per image (" + std::to_string(images.size()) + "), got " + std::to_string(titles.size()));
  if (columns < 1) refuse(figure, "expected columns >= 1, got " + std::to_string(columns));

  std::vector<TitledImage> cells;
  for (size_t i = 0; i < images.size(); ++i) cells.push_back({images[i], {titles[i]}, "image " + std::to_string(i)});
  // 168 px a digit: 3 columns make a figure ~600 px wide, the size of matplotlib's on a screen.
  return draw_titled_grid(cells, {columns, 168, ""}, figure);
}

}  // namespace fovea::viz
