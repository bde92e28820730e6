#include "image_surface.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "canvas.hpp"
#include "fovea/error.hpp"

namespace fovea::viz {

ValueRange min_max(const float* values, size_t count) {
  if (count == 0) return {0, 1};
  const auto [lo, hi] = std::minmax_element(values, values + count);
  if (*lo == *hi) {
    const double spread = std::max(1.0, std::abs(static_cast<double>(*lo)));
    return {*lo - spread, *hi + spread};
  }
  return {*lo, *hi};
}

SurfacePtr image_surface(const float* values, int height, int width, ValueRange range, ColourMap map) {
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw OutOfMemoryError("fovea::viz: cairo could not make a " + std::to_string(width) + " x " +
                           std::to_string(height) + " image");
  cairo_surface_flush(surface.get());
  unsigned char* data = cairo_image_surface_get_data(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  const double span = range.hi - range.lo;
  for (int y = 0; y < height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<ptrdiff_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      const Rgb c = colour_at(map, (values[static_cast<ptrdiff_t>(y) * width + x] - range.lo) / span);
      auto byte = [](double v) { return static_cast<uint32_t>(std::lround(v * 255)); };
      row[x] = 0xFF000000u | byte(c.r) << 16 | byte(c.g) << 8 | byte(c.b);
    }
  }
  cairo_surface_mark_dirty(surface.get());
  return surface;
}

void paint_image(cairo_t* cr, cairo_surface_t* image, double x, double y, double scale) {
  SavedState saved(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, image, 0, 0);
  cairo_pattern_t* pattern = cairo_get_source(cr);
  cairo_pattern_set_filter(pattern, scale >= 1 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD);  // no fading into transparency at the border
  cairo_rectangle(cr, 0, 0, cairo_image_surface_get_width(image), cairo_image_surface_get_height(image));
  cairo_fill(cr);
}

double display_scale(int side, double target) {
  const double exact = target / side;
  return exact >= 1 ? std::max(1.0, std::round(exact)) : exact;
}

}  // namespace fovea::viz
