// The images the model got wrong with the most confidence: where to look for label noise,
// ambiguous digits, and classes the model confuses.
#include <cmath>
#include <cstdio>

#include "fovea/viz/figures.hpp"
#include "input_checks.hpp"
#include "titled_grid.hpp"

namespace fovea::viz {

Picture mistakes(const std::vector<Mistake>& mistakes, const std::vector<std::string>& class_names) {
  const std::string figure = "mistakes";
  require_non_empty(mistakes.size(), figure, "mistakes");
  require_non_empty(class_names.size(), figure, "class_names");

  std::vector<TitledImage> cells;
  for (size_t i = 0; i < mistakes.size(); ++i) {
    const Mistake& m = mistakes[i];
    const std::string which = "mistake " + std::to_string(i);
    require_class(m.true_class, class_names.size(), figure, which + "'s true_class");
    require_class(m.predicted_class, class_names.size(), figure, which + "'s predicted_class");
    if (!(m.probability >= 0 && m.probability <= 1))
      refuse(figure, "expected " + which + "'s probability in [0, 1], got " + std::to_string(m.probability));
    char probability[16];
    std::snprintf(probability, sizeof probability, "%.2f", m.probability);
    // Two lines: with Fashion-MNIST's names one line would be ~300 px, twice an image's width.
    cells.push_back({m.image,
                     {"true " + class_names[m.true_class],
                      "predicted " + class_names[m.predicted_class] + " (" + probability + ")"},
                     which + "'s image"});
  }
  // Square-ish: 16 mistakes in 4 rows of 4.
  const int columns = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(mistakes.size())))));
  const std::string heading = mistakes.size() == 1 ? "a misclassified image"
                                                   : std::to_string(mistakes.size()) + " misclassified images";
  return draw_titled_grid(cells, {columns, 112, heading}, figure);
}

}  // namespace fovea::viz
