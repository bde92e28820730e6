// A convolution's learned kernels, as in the seed post's figure of 25 kernels: what patterns the
// first layer looks for. All kernels share one grey scale, symmetric about 0 (figures.hpp says why).
#include <algorithm>
#include <cmath>

#include "canvas.hpp"
#include "colour_bar.hpp"
#include "fovea/viz/figures.hpp"
#include "image_surface.hpp"
#include "input_checks.hpp"
#include "text.hpp"

namespace fovea::viz {

namespace {

constexpr double kMargin = 16;
constexpr int kMostTileColumns = 8;  // tiles: 16 kernels make two rows of 8
constexpr double kTileGap = 12;       // tiles: between tiles (room for their index below)
constexpr double kInnerGap = 3;       // tiles: between the kernels inside one tile
constexpr double kKernelGap = 3;      // matrix: between kernels
constexpr double kMostSide = 720;     // about the largest the grid may grow either way
constexpr int64_t kMostTileInputs = 4;  // up to RGB(A) inputs a tile per output channel; beyond, the matrix

struct Layout {
  bool matrix = false;  // a row per output channel, a column per input channel (in > kMostTileInputs)
  int columns = 0, rows = 0;      // of tiles, or of kernels in the matrix
  double pixel = 1;               // figure pixels per weight
  double step_x = 0, step_y = 0;  // from one tile (matrix: kernel) to the next
  double grid_width = 0, grid_height = 0;
};

Layout tile_layout(int64_t out, int64_t in, int64_t kh, int64_t kw, double label_height) {
  Layout l;
  // ~48 px kernels (16 px a weight for 3x3), smaller until the grid fits on a screen.
  for (l.pixel = std::clamp(std::round(48.0 / std::max(kh, kw)), 1.0, 16.0);; --l.pixel) {
    const double tile_width = in * kw * l.pixel + (in - 1) * kInnerGap;
    l.step_x = tile_width + kTileGap;
    l.step_y = kh * l.pixel + 3 + label_height + 8;
    const int fit = std::max(1, static_cast<int>((kMostSide + kTileGap) / l.step_x));
    l.columns = static_cast<int>(std::min<int64_t>({out, kMostTileColumns, fit}));
    l.rows = static_cast<int>((out + l.columns - 1) / l.columns);
    l.grid_width = l.columns * l.step_x - kTileGap;
    l.grid_height = l.rows * l.step_y - 8;
    if (l.grid_height <= kMostSide || l.pixel <= 1) return l;
  }
}

Layout matrix_layout(int64_t out, int64_t in, int64_t kh, int64_t kw) {
  Layout l;
  l.matrix = true;
  const double fit_x = (kMostSide - in * kKernelGap) / (in * kw), fit_y = (kMostSide - out * kKernelGap) / (out * kh);
  l.pixel = std::clamp(std::floor(std::min(fit_x, fit_y)), 1.0, 16.0);
  l.columns = static_cast<int>(in);
  l.rows = static_cast<int>(out);
  l.step_x = kw * l.pixel + kKernelGap;
  l.step_y = kh * l.pixel + kKernelGap;
  l.grid_width = l.columns * l.step_x - kKernelGap;
  l.grid_height = l.rows * l.step_y - kKernelGap;
  return l;
}

// Every `every`-th index is labelled, so that labels of small kernels do not run together.
int label_every(double step, double widest_label) {
  int every = 1;
  while (every * step < widest_label + 4) every = every == 1 ? 2 : every == 2 ? 4 : every == 4 ? 5 : every * 2;
  return every;
}

}  // namespace

Picture kernel_grid(const Tensor& weight, const std::string& title) {
  const std::string figure = "kernel_grid";
  if (!weight.defined() || weight.dim() != 4)
    refuse(figure, "expected weight as out x in x kh x kw, got shape " + (weight.defined() ? to_string(weight.shape()) : "undefined"));
  const int64_t out = weight.size(0), in = weight.size(1), kh = weight.size(2), kw = weight.size(3);
  if (weight.numel() == 0) refuse(figure, "expected a weight with elements, got shape " + to_string(weight.shape()));
  if (kh > 256 || kw > 256) refuse(figure, "expected kernels of at most 256 x 256, got shape " + to_string(weight.shape()));
  require_finite(weight, figure, "weight");

  const float* w = weight.data();
  double largest = 0;
  for (int64_t i = 0; i < weight.numel(); ++i) largest = std::max(largest, std::abs(static_cast<double>(w[i])));
  const ValueRange range{largest > 0 ? -largest : -1, largest > 0 ? largest : 1};  // all zeros: all mid grey

  Canvas scratch(1, 1, figure);
  cairo_t* measure = scratch.cr();
  const double label_height = measure_text(measure, "0", kTickFont).height();
  const Layout l = in > kMostTileInputs ? matrix_layout(out, in, kh, kw) : tile_layout(out, in, kh, kw, label_height);
  const TextBox title_box = measure_text(measure, title, kHeadingFont);
  const double axis_name_height = measure_text(measure, "Ag", kLabelFont).height();
  // The matrix layout has its indices on top and left, with the axis names outside them.
  const double widest_row_label = measure_text(measure, std::to_string(out - 1), kTickFont).width;
  const double top_room = l.matrix ? axis_name_height + 4 + label_height + 4 : 0;
  const double left_room = l.matrix ? axis_name_height + 6 + widest_row_label + 6 : 0;
  const double grid_left = kMargin + left_room, grid_top = std::ceil(kMargin + title_box.height() + 14 + top_room);
  const double bar_height = std::max(140.0, std::min(l.grid_height, 320.0));
  const ColourBar bar = make_colour_bar(range, ColourMap::Grey, bar_height);
  const double bar_left = grid_left + l.grid_width + 20;
  const double width = std::max(bar_left + colour_bar_width(measure, bar) + kMargin, 2 * kMargin + title_box.width);
  const double height = grid_top + std::max(l.grid_height, bar_height) + kMargin;

  Canvas canvas(width, height, figure);
  cairo_t* cr = canvas.cr();
  draw_text(cr, title, width / 2, kMargin, kHeadingFont, HAlign::Centre, VAlign::Top);
  const double kernel_width = kw * l.pixel, kernel_height = kh * l.pixel;
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      double x, y;
      if (l.matrix) {
        x = grid_left + i * l.step_x, y = grid_top + o * l.step_y;
      } else {
        x = grid_left + (o % l.columns) * l.step_x + i * (kernel_width + kInnerGap), y = grid_top + (o / l.columns) * l.step_y;
      }
      SurfacePtr kernel = image_surface(w + (o * in + i) * kh * kw, static_cast<int>(kh), static_cast<int>(kw), range);
      paint_image(cr, kernel.get(), x, y, l.pixel);
      // A thin frame, so white (large positive) weights at a kernel's edge do not melt into the page.
      cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
      cairo_set_line_width(cr, 1);
      cairo_rectangle(cr, x - 0.5, y - 0.5, kernel_width + 1, kernel_height + 1);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
    }
    if (!l.matrix) {
      const double tile_width = l.step_x - kTileGap;
      draw_text(cr, std::to_string(o), grid_left + (o % l.columns) * l.step_x + tile_width / 2,
                grid_top + (o / l.columns) * l.step_y + kernel_height + 3, kTickFont, HAlign::Centre, VAlign::Top);
    }
  }
  if (l.matrix) {
    const int every_column = label_every(l.step_x, measure_text(cr, std::to_string(in - 1), kTickFont).width);
    for (int64_t i = 0; i < in; i += every_column)
      draw_text(cr, std::to_string(i), grid_left + i * l.step_x + kernel_width / 2, grid_top - 4, kTickFont, HAlign::Centre,
                VAlign::Bottom);
    const int every_row = label_every(l.step_y, label_height);
    for (int64_t o = 0; o < out; o += every_row)
      draw_text(cr, std::to_string(o), grid_left - 6, grid_top + o * l.step_y + kernel_height / 2, kTickFont, HAlign::Right,
                VAlign::Middle);
    // A matrix too small for the long axis names gets the short ones.
    const std::string input_name = measure_text(cr, "input channel", kLabelFont).width < l.grid_width ? "input channel" : "in";
    const std::string output_name = measure_text(cr, "output channel", kLabelFont).width < l.grid_height ? "output channel" : "out";
    draw_text(cr, input_name, grid_left + l.grid_width / 2, grid_top - 4 - label_height - 4, kLabelFont, HAlign::Centre,
              VAlign::Bottom);
    draw_text(cr, output_name, kMargin, grid_top + l.grid_height / 2, kLabelFont, HAlign::Centre, VAlign::Top, 90);
  }
  draw_colour_bar(cr, bar, bar_left, grid_top, bar_height);
  return canvas.finish();
}

}  // namespace fovea::viz
