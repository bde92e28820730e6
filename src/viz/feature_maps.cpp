// What the convolutions make of one image: the input, then every channel of every stage. The
// per-stage grey scale is explained in figures.hpp.
#include <algorithm>
#include <cmath>

#include "canvas.hpp"
#include "fovea/viz/figures.hpp"
#include "image_surface.hpp"
#include "input_checks.hpp"
#include "text.hpp"
#include "ticks.hpp"

namespace fovea::viz {

namespace {

constexpr double kMargin = 16;
constexpr double kInputSide = 112;  // the input, 4x for MNIST
constexpr double kTileSide = 56;    // a feature map: 14 x 14 at 4x, 7 x 7 at 8x, so stages line up
constexpr double kTileGap = 4;
constexpr int kTilesPerRow = 16;
constexpr double kHeaderGap = 6, kStageGap = 18;

struct Stage {
  std::string header;
  const float* values;
  int channels, height, width;
  double scale;
  ValueRange range;
};

Stage stage_of(const std::pair<std::string, Tensor>& named, size_t index) {
  const std::string figure = "feature_maps";
  const std::string what = "stage " + std::to_string(index) + " ('" + named.first + "')";
  const Tensor& maps = named.second;
  if (!maps.defined()) refuse(figure, "expected " + what + " as a C x H x W tensor, got an undefined tensor");
  const Shape& shape = maps.shape();
  const bool batch_of_one = shape.size() == 4 && shape[0] == 1;
  if (shape.size() != 3 && !batch_of_one)
    refuse(figure, "expected " + what + " as a C x H x W (or 1 x C x H x W) tensor, got shape " + to_string(shape));
  const int64_t c = shape[shape.size() - 3], h = shape[shape.size() - 2], w = shape[shape.size() - 1];
  if (c < 1 || h < 1 || w < 1) refuse(figure, "expected " + what + " to have elements, got shape " + to_string(shape));
  if (c > 4096 || h > 4096 || w > 4096)
    refuse(figure, "expected " + what + " of at most 4096 channels and 4096 pixels a side, got shape " + to_string(shape));
  require_finite(maps, figure, what);
  Stage stage{"", maps.data(), static_cast<int>(c), static_cast<int>(h), static_cast<int>(w),
              display_scale(static_cast<int>(std::max(h, w)), kTileSide), min_max(maps.data(), static_cast<size_t>(maps.numel()))};
  stage.header = named.first + ": " + std::to_string(c) + " \u00d7 " + std::to_string(h) + " \u00d7 " + std::to_string(w) +
                 ", grey from " + format_value(stage.range.lo) + " (black) to " + format_value(stage.range.hi) +
                 " (white) for the stage";
  return stage;
}

}  // namespace

Picture feature_maps(const Tensor& image, const std::vector<std::pair<std::string, Tensor>>& stages) {
  const std::string figure = "feature_maps";
  const ImageSize input = image_size(image, figure, "image");
  require_non_empty(stages.size(), figure, "stages");
  std::vector<Stage> blocks;
  for (size_t i = 0; i < stages.size(); ++i) blocks.push_back(stage_of(stages[i], i));

  Canvas scratch(1, 1, figure);
  cairo_t* measure = scratch.cr();
  const double header_height = measure_text(measure, "Ag", kTitleFont).height();
  const std::string input_header = "input: " + std::to_string(input.height) + " \u00d7 " + std::to_string(input.width);
  const double input_scale = display_scale(std::max(input.height, input.width), kInputSide);
  double content_width = std::max(measure_text(measure, input_header, kTitleFont).width, input.width * input_scale);
  double height = kMargin + header_height + kHeaderGap + std::ceil(input.height * input_scale);
  std::vector<double> tile_width, tile_height;
  for (const Stage& s : blocks) {
    tile_width.push_back(std::ceil(s.width * s.scale));
    tile_height.push_back(std::ceil(s.height * s.scale));
    const int columns = std::min(s.channels, kTilesPerRow), rows = (s.channels + kTilesPerRow - 1) / kTilesPerRow;
    content_width = std::max({content_width, measure_text(measure, s.header, kTitleFont).width,
                              columns * (tile_width.back() + kTileGap) - kTileGap});
    height += kStageGap + header_height + kHeaderGap + rows * (tile_height.back() + kTileGap) - kTileGap;
  }
  height += kMargin;

  Canvas canvas(2 * kMargin + content_width, height, figure);
  cairo_t* cr = canvas.cr();
  double y = kMargin;
  draw_text(cr, input_header, kMargin, y, kTitleFont, HAlign::Left, VAlign::Top);
  y += header_height + kHeaderGap;
  const float* pixels = image.data();
  SurfacePtr input_surface = image_surface(pixels, input.height, input.width,
                                           min_max(pixels, static_cast<size_t>(input.height) * input.width));
  paint_image(cr, input_surface.get(), kMargin, y, input_scale);
  y += std::ceil(input.height * input_scale);

  for (size_t i = 0; i < blocks.size(); ++i) {
    const Stage& s = blocks[i];
    y += kStageGap;
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, s.header, kMargin, y, kTitleFont, HAlign::Left, VAlign::Top);
    y += header_height + kHeaderGap;
    const size_t plane = static_cast<size_t>(s.height) * s.width;
    for (int c = 0; c < s.channels; ++c) {
      const double x = kMargin + (c % kTilesPerRow) * (tile_width[i] + kTileGap);
      const double top = y + (c / kTilesPerRow) * (tile_height[i] + kTileGap);
      SurfacePtr tile = image_surface(s.values + c * plane, s.height, s.width, s.range);
      paint_image(cr, tile.get(), x, top, s.scale);
    }
    const int rows = (s.channels + kTilesPerRow - 1) / kTilesPerRow;
    y += rows * (tile_height[i] + kTileGap) - kTileGap;
  }
  return canvas.finish();
}

}  // namespace fovea::viz
