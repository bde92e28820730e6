#pragma once
// Canvas: where a figure is drawn. It owns a white ARGB32 cairo image surface and the cairo context
// drawing on it, both released by its destructor whatever happens mid-drawing, and hands the
// surface over as a Picture once the figure is done. The only file besides picture.cpp that makes
// or frees cairo surfaces for pictures.
#include <cairo.h>

#include <string>

#include "fovea/viz/picture.hpp"

namespace fovea::viz {

// What a Picture holds: the finished surface, never drawn on again.
struct PictureSurface {
  explicit PictureSurface(cairo_surface_t* surface) : surface(surface) {}
  ~PictureSurface() { cairo_surface_destroy(surface); }
  PictureSurface(const PictureSurface&) = delete;
  PictureSurface& operator=(const PictureSurface&) = delete;

  cairo_surface_t* surface;
};

// Past this a figure is no longer something a person looks at, and cairo's limit (32767) is near.
constexpr int kMaxPictureSide = 16384;

class Canvas {
 public:
  // A white canvas of width x height pixels. Throws ValueError naming `figure` ("sample_grid") when a side is not in
  // 1..kMaxPictureSide (the figure would not fit on any screen), OutOfMemoryError when cairo fails.
  Canvas(double width, double height, const std::string& figure);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_; }
  int width() const { return width_; }
  int height() const { return height_; }

  // The drawing as a Picture; the canvas must not be drawn on afterwards.
  Picture finish();

 private:
  int width_, height_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

// Saves cairo's state (transform, colour, line style, font) and restores it at the end of the scope.
class SavedState {
 public:
  explicit SavedState(cairo_t* cr) : cr_(cr) { cairo_save(cr_); }
  ~SavedState() { cairo_restore(cr_); }
  SavedState(const SavedState&) = delete;
  SavedState& operator=(const SavedState&) = delete;

 private:
  cairo_t* cr_;
};

}  // namespace fovea::viz
