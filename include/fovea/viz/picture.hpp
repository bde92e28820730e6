#pragma once
// Picture: a finished drawing made by fovea's figure functions (figures.hpp).
//
// It holds an ARGB32 cairo image surface, but the surface type stays out of this header so that a
// program using fovea needs no cairo headers. A Picture is immutable and cheap to copy: copies share
// the pixels, as Tensor copies share storage. There is no way to make one except by drawing it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fovea::viz {

struct PictureSurface;  // the cairo surface; defined in src/viz/canvas.hpp

class Picture {
 public:
  // Used by the figure functions; `surface` must not be null.
  explicit Picture(std::shared_ptr<const PictureSurface> surface);

  int width() const;
  int height() const;

  // The picture encoded as a PNG file in memory (what TensorBoard's image summaries carry).
  std::vector<unsigned char> png() const;
  // Writes the PNG to `path` atomically: the path holds the old file or the whole new one, never a
  // part. Throws IOError naming the path (missing folder, no permission, disk full).
  void save_png(const std::string& path) const;

  // The colour at column x, row y as 0xAARRGGBB, not premultiplied (for tests).
  // Throws ValueError when (x, y) lies outside the picture.
  uint32_t pixel(int x, int y) const;

 private:
  std::shared_ptr<const PictureSurface> surface_;
};

}  // namespace fovea::viz
