#include "titled_grid.hpp"

#include <algorithm>
#include <cmath>

#include "canvas.hpp"
#include "image_surface.hpp"
#include "input_checks.hpp"
#include "text.hpp"

namespace fovea::viz {

namespace {

constexpr double kMargin = 16;
constexpr double kColumnGap = 24, kRowGap = 20;  // between cells
constexpr double kTitleGap = 6;                  // between a title and its image

}  // namespace

Picture draw_titled_grid(const std::vector<TitledImage>& cells, const TitledGridStyle& style, const std::string& figure) {
  std::vector<ImageSize> sizes;
  std::vector<double> scales;
  double image_width = 0, image_height = 0;
  size_t title_lines = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const ImageSize size = image_size(cells[i].image, figure, cells[i].what);
    const double scale = display_scale(std::max(size.height, size.width), style.image_side);
    sizes.push_back(size);
    scales.push_back(scale);
    image_width = std::max(image_width, std::ceil(size.width * scale));
    image_height = std::max(image_height, std::ceil(size.height * scale));
    title_lines = std::max(title_lines, cells[i].title.size());
  }

  // Measured on a scratch canvas: the figure's size depends on its text.
  Canvas scratch(1, 1, figure);
  double title_width = 0;
  for (const TitledImage& cell : cells) title_width = std::max(title_width, widest_text(scratch.cr(), cell.title, kTitleFont));
  const double line_height = measure_text(scratch.cr(), "Ag", kTitleFont).height();
  const double heading_height =
      style.heading.empty() ? 0 : measure_text(scratch.cr(), style.heading, kHeadingFont).height() + 14;
  const double heading_width = style.heading.empty() ? 0 : measure_text(scratch.cr(), style.heading, kHeadingFont).width;

  const int columns = std::min(static_cast<int>(cells.size()), style.columns);
  const int rows = static_cast<int>((cells.size() + columns - 1) / columns);
  const double cell_width = std::ceil(std::max(image_width, title_width));
  const double title_height = title_lines * line_height;
  const double cell_height = title_height + kTitleGap + image_height;
  const double grid_width = columns * cell_width + (columns - 1) * kColumnGap;
  const double width = 2 * kMargin + std::max(grid_width, heading_width);
  const double height = 2 * kMargin + heading_height + rows * cell_height + (rows - 1) * kRowGap;

  Canvas canvas(width, height, figure);
  cairo_t* cr = canvas.cr();
  const double grid_left = std::round((width - grid_width) / 2);
  if (!style.heading.empty())
    draw_text(cr, style.heading, width / 2, kMargin, kHeadingFont, HAlign::Centre, VAlign::Top);
  for (size_t i = 0; i < cells.size(); ++i) {
    const int row = static_cast<int>(i) / columns, column = static_cast<int>(i) % columns;
    const double left = grid_left + column * (cell_width + kColumnGap);
    const double top = kMargin + heading_height + row * (cell_height + kRowGap);
    const double centre = left + cell_width / 2;
    // Titles sit on the image: a one-line title in a grid of two-line ones is its lower line.
    const std::vector<std::string>& title = cells[i].title;
    const double title_top = top + title_height - title.size() * line_height;
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (size_t line = 0; line < title.size(); ++line)
      draw_text(cr, title[line], centre, title_top + line * line_height, kTitleFont, HAlign::Centre, VAlign::Top);

    const ImageSize size = sizes[i];
    const float* values = cells[i].image.data();
    SurfacePtr image = image_surface(values, size.height, size.width, min_max(values, static_cast<size_t>(size.height) * size.width));
    const double shown_width = size.width * scales[i];
    paint_image(cr, image.get(), std::round(centre - shown_width / 2), top + title_height + kTitleGap, scales[i]);
  }
  return canvas.finish();
}

}  // namespace fovea::viz
