// The confusion matrix as sklearn's ConfusionMatrixDisplay draws it: true classes down the rows,
// predictions along the columns, a count in every cell, colour for the size of the count.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "canvas.hpp"
#include "colour_bar.hpp"
#include "fovea/viz/figures.hpp"
#include "input_checks.hpp"
#include "text.hpp"

namespace fovea::viz {

namespace {

constexpr double kMargin = 16;
constexpr double kSlant = 45;  // column names, in degrees: long names fit without widening the columns
constexpr double kCos = 0.7071067811865476;
const Font kCountFont{13, false};

void check(const std::vector<std::vector<int64_t>>& counts, const std::vector<std::string>& class_names) {
  const std::string figure = "confusion_matrix";
  require_non_empty(counts.size(), figure, "counts");
  const size_t n = counts.size();
  for (size_t t = 0; t < n; ++t) {
    if (counts[t].size() != n)
      refuse(figure, "expected a square matrix of counts (" + std::to_string(n) + " x " + std::to_string(n) + "), got row " +
                         std::to_string(t) + " of " + std::to_string(counts[t].size()) + " entries");
    for (size_t p = 0; p < n; ++p)
      if (counts[t][p] < 0)
        refuse(figure, "expected counts >= 0, got " + std::to_string(counts[t][p]) + " at [" + std::to_string(t) + "][" +
                           std::to_string(p) + "]");
  }
  if (class_names.size() != n)
    refuse(figure, "expected one class name per row of counts (" + std::to_string(n) + "), got " +
                       std::to_string(class_names.size()));
}

std::string title_of(const std::vector<std::vector<int64_t>>& counts) {
  int64_t total = 0, correct = 0;
  for (size_t t = 0; t < counts.size(); ++t)
    for (size_t p = 0; p < counts.size(); ++p) total += counts[t][p], correct += t == p ? counts[t][p] : 0;
  if (total == 0) return "confusion matrix: no images";
  char share[32];
  std::snprintf(share, sizeof share, "%.1f%%", 100.0 * correct / total);
  return "confusion matrix: " + std::to_string(total) + " images, " + share + " correct";
}

}  // namespace

Picture confusion_matrix(const std::vector<std::vector<int64_t>>& counts, const std::vector<std::string>& class_names) {
  check(counts, class_names);
  const size_t n = counts.size();
  int64_t largest = 0;
  for (const auto& row : counts) largest = std::max(largest, *std::max_element(row.begin(), row.end()));

  // Sizes, from the text they must hold.
  Canvas scratch(1, 1, "confusion_matrix");
  cairo_t* measure = scratch.cr();
  const std::string title = title_of(counts);
  const TextBox title_box = measure_text(measure, title, kHeadingFont);
  const double label_height = measure_text(measure, "Ag", kLabelFont).height();
  const double widest_count = measure_text(measure, std::to_string(largest), kCountFont).width;
  const double cell = std::ceil(std::max(48.0, widest_count + 14));
  const double matrix = cell * n;
  const double widest_name = widest_text(measure, class_names, kLabelFont);
  const ColourBar bar = make_colour_bar({0, static_cast<double>(std::max<int64_t>(largest, 1))}, ColourMap::Blues, matrix);

  // Left: "true", then the row names. The first column's slanted name reaches left past the
  // matrix too; the matrix moves right until both fit.
  const double rows_left = kMargin + label_height + 8 + widest_name + 8;
  double matrix_left = rows_left;
  std::vector<double> name_widths;
  for (size_t i = 0; i < n; ++i) {
    name_widths.push_back(measure_text(measure, class_names[i], kLabelFont).width);
    const double reach = name_widths[i] * kCos + label_height * kCos / 2;
    matrix_left = std::max(matrix_left, kMargin + reach - (i + 0.5) * cell);
  }
  matrix_left = std::ceil(matrix_left);
  const double matrix_top = std::ceil(kMargin + title_box.height() + 14);
  const double matrix_bottom = matrix_top + matrix;
  const double names_drop = 4 + label_height * kCos / 2;  // the slanted names' anchor below the matrix
  const double names_depth = names_drop + widest_name * kCos + label_height * kCos / 2;
  double bar_left = matrix_left + matrix + 18;
  const double content_width = bar_left + colour_bar_width(measure, bar) + kMargin;
  const double width = std::max(content_width, 2 * kMargin + title_box.width);
  // A title wider than a small matrix: the matrix moves to the middle, under it.
  const double shift = std::floor((width - content_width) / 2);
  matrix_left += shift, bar_left += shift;
  const double height = matrix_bottom + names_depth + 8 + label_height + kMargin;

  Canvas canvas(width, height, "confusion_matrix");
  cairo_t* cr = canvas.cr();
  draw_text(cr, title, width / 2, kMargin, kHeadingFont, HAlign::Centre, VAlign::Top);
  for (size_t t = 0; t < n; ++t) {
    for (size_t p = 0; p < n; ++p) {
      const double x = matrix_left + p * cell, y = matrix_top + t * cell;
      const Rgb fill = colour_at(ColourMap::Blues, static_cast<double>(counts[t][p]) / bar.range.hi);
      set_colour(cr, fill);
      cairo_rectangle(cr, x, y, cell, cell);
      cairo_fill(cr);
      // White on dark cells, black on light ones; zeros grey, so the mistakes stand out.
      const double text_grey = counts[t][p] == 0 ? 0.6 : luminance(fill) < 0.5 ? 1.0 : 0.0;
      cairo_set_source_rgb(cr, text_grey, text_grey, text_grey);
      draw_text(cr, std::to_string(counts[t][p]), x + cell / 2, y + cell / 2, kCountFont, HAlign::Centre, VAlign::Middle);
    }
  }
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, matrix_left + 0.5, matrix_top + 0.5, matrix - 1, matrix - 1);
  cairo_stroke(cr);

  cairo_set_source_rgb(cr, 0, 0, 0);
  for (size_t i = 0; i < n; ++i) {
    const double centre = (i + 0.5) * cell;
    draw_text(cr, class_names[i], matrix_left - 8, matrix_top + centre, kLabelFont, HAlign::Right, VAlign::Middle);
    draw_text(cr, class_names[i], matrix_left + centre, matrix_bottom + names_drop, kLabelFont, HAlign::Right,
              VAlign::Middle, kSlant);
  }
  draw_text(cr, "true", kMargin + shift, matrix_top + matrix / 2, kLabelFont, HAlign::Centre, VAlign::Top, 90);
  draw_text(cr, "predicted", matrix_left + matrix / 2, matrix_bottom + names_depth + 8, kLabelFont, HAlign::Centre,
            VAlign::Top);
  draw_colour_bar(cr, bar, bar_left, matrix_top, matrix);
  return canvas.finish();
}

}  // namespace fovea::viz
