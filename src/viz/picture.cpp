#include "fovea/viz/picture.hpp"

#include <cairo.h>

#include "canvas.hpp"
#include "fovea/error.hpp"
#include "support/atomic_file.hpp"

namespace fovea::viz {

Picture::Picture(std::shared_ptr<const PictureSurface> surface) : surface_(std::move(surface)) {}

int Picture::width() const { return cairo_image_surface_get_width(surface_->surface); }
int Picture::height() const { return cairo_image_surface_get_height(surface_->surface); }

std::vector<unsigned char> Picture::png() const {
  std::vector<unsigned char> bytes;
  auto append = [](void* closure, const unsigned char* data, unsigned int length) -> cairo_status_t {
    auto* out = static_cast<std::vector<unsigned char>*>(closure);
    out->insert(out->end(), data, data + length);
    return CAIRO_STATUS_SUCCESS;
  };
  const cairo_status_t status = cairo_surface_write_to_png_stream(surface_->surface, append, &bytes);
  if (status != CAIRO_STATUS_SUCCESS)
    throw Error(std::string("fovea::viz::Picture::png: cairo could not encode the picture: ") +
                cairo_status_to_string(status));
  return bytes;
}

void Picture::save_png(const std::string& path) const {
  const std::vector<unsigned char> bytes = png();
  support::write_file_atomically(path, bytes.data(), bytes.size());  // its IOErrors name the path
}

uint32_t Picture::pixel(int x, int y) const {
  if (x < 0 || y < 0 || x >= width() || y >= height())
    throw ValueError("fovea::viz::Picture::pixel: (" + std::to_string(x) + ", " + std::to_string(y) +
                     ") is outside the " + std::to_string(width()) + " x " + std::to_string(height()) +
                     " picture");
  cairo_surface_t* surface = surface_->surface;
  const unsigned char* row = cairo_image_surface_get_data(surface) + y * cairo_image_surface_get_stride(surface);
  const uint32_t premultiplied = reinterpret_cast<const uint32_t*>(row)[x];  // native-endian ARGB32
  const uint32_t alpha = premultiplied >> 24;
  if (alpha == 0) return 0;
  auto channel = [&](int shift) {
    const uint32_t c = (premultiplied >> shift) & 0xFF;
    return ((c * 255 + alpha / 2) / alpha) << shift;
  };
  return (alpha << 24) | channel(16) | channel(8) | channel(0);
}

}  // namespace fovea::viz
