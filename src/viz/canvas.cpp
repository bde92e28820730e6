#include "canvas.hpp"

#include <cmath>
#include <memory>

#include "fovea/error.hpp"

namespace fovea::viz {

namespace {

int checked_side(double side, const char* which, const std::string& who) {  // who: "fovea::viz::<figure>"
  const double rounded = std::ceil(side);
  if (!(rounded >= 1 && rounded <= kMaxPictureSide))
    throw ValueError(who + ": the figure would be " + std::to_string(static_cast<long long>(rounded)) +
                     " pixels " + which + ", expected 1.." + std::to_string(kMaxPictureSide) +
                     " (too much to show in one picture)");
  return static_cast<int>(rounded);
}

}  // namespace

Canvas::Canvas(double width, double height, const std::string& figure)
    : width_(checked_side(width, "wide", "fovea::viz::" + figure)), height_(checked_side(height, "high", "fovea::viz::" + figure)) {
  surface_ = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width_, height_);
  if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface_);
    throw OutOfMemoryError("fovea::viz::" + figure + ": cairo could not make a " + std::to_string(width_) + " x " +
                           std::to_string(height_) + " picture");
  }
  cr_ = cairo_create(surface_);
  cairo_set_source_rgb(cr_, 1, 1, 1);
  cairo_paint(cr_);
  cairo_set_source_rgb(cr_, 0, 0, 0);
}

Canvas::~Canvas() {
  if (cr_) cairo_destroy(cr_);
  if (surface_) cairo_surface_destroy(surface_);
}

Picture Canvas::finish() {
  cairo_destroy(cr_);
  cr_ = nullptr;
  cairo_surface_flush(surface_);
  auto held = std::make_shared<const PictureSurface>(surface_);
  surface_ = nullptr;
  return Picture(std::move(held));
}

}  // namespace fovea::viz
