#pragma once
// A float image as a cairo surface, and that surface put on a figure with crisp pixels.
//
// Mapping values to grey levels is the one per-pixel loop in the pictures layer: cairo draws
// pixels, it does not know what a float means. Scaling, placement and filtering are cairo's.
#include <cairo.h>

#include <cstddef>
#include <memory>

#include "colour_map.hpp"

namespace fovea::viz {

// The values shown at the two ends of a colour map: lo as t = 0 (black), hi as t = 1 (white).
struct ValueRange {
  double lo = 0, hi = 1;
};

// The smallest and largest of `count` values. A constant image gets a range around its value, so
// it shows as mid grey (no contrast) rather than dividing by zero.
ValueRange min_max(const float* values, size_t count);

struct SurfaceDeleter {
  void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

// `height` x `width` row-major values as an opaque surface, each value placed on `map` by `range`
// (values outside it clamp to the ends). Throws OutOfMemoryError when cairo cannot make it.
SurfacePtr image_surface(const float* values, int height, int width, ValueRange range, ColourMap map = ColourMap::Grey);

// Paints `image` with its top-left corner at (x, y), each of its pixels `scale` figure pixels wide:
// nearest-neighbour when enlarging (pixels stay sharp squares, as imshow(interpolation='none')),
// smoothed when shrinking (nearest would alias).
void paint_image(cairo_t* cr, cairo_surface_t* image, double x, double y, double scale);

// The scale that makes an image of `side` pixels about `target` pixels on the figure: a whole
// factor when enlarging, so every source pixel becomes the same number of figure pixels.
double display_scale(int side, double target);

}  // namespace fovea::viz
