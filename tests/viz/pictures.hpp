#pragma once
// What the picture tests share: comparing two pictures, decoding a PNG back, catching a message.
#include <cairo.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/viz/picture.hpp"

namespace fovea::testing {

// How many pixels differ between two pictures of the same size (-1 when their sizes differ).
inline int64_t differing_pixels(const viz::Picture& a, const viz::Picture& b) {
  if (a.width() != b.width() || a.height() != b.height()) return -1;
  int64_t count = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) count += a.pixel(x, y) != b.pixel(x, y);
  return count;
}

// Pixels that are not white: there is a drawing at all.
inline int64_t inked_pixels(const viz::Picture& p) {
  int64_t count = 0;
  for (int y = 0; y < p.height(); ++y)
    for (int x = 0; x < p.width(); ++x) count += p.pixel(x, y) != 0xFFFFFFFFu;
  return count;
}

struct DecodedSize {
  int width = 0, height = 0;
  bool ok = false;
};

// Decodes PNG bytes with cairo's own reader and reports the image's size.
inline DecodedSize decode_png_size(const std::vector<unsigned char>& png) {
  struct Reader {
    const std::vector<unsigned char>* bytes;
    size_t at = 0;
  } reader{&png};
  auto read = [](void* closure, unsigned char* data, unsigned int length) -> cairo_status_t {
    auto* r = static_cast<Reader*>(closure);
    if (r->at + length > r->bytes->size()) return CAIRO_STATUS_READ_ERROR;
    std::copy(r->bytes->begin() + r->at, r->bytes->begin() + r->at + length, data);
    r->at += length;
    return CAIRO_STATUS_SUCCESS;
  };
  cairo_surface_t* surface = cairo_image_surface_create_from_png_stream(read, &reader);
  DecodedSize size;
  size.ok = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS;
  if (size.ok) size.width = cairo_image_surface_get_width(surface), size.height = cairo_image_surface_get_height(surface);
  cairo_surface_destroy(surface);
  return size;
}

// The message of the fovea::Error that `f` throws, or "(no error)".
inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace fovea::testing
