#pragma once
// Reading an event file back in the tests: each TFRecord's two CRCs checked, each record parsed
// with fovea's generated Event classes; and the small things the SummaryWriter tests share.
#include <cairo.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/tensorboard_event.pb.h"
#include "train/tfrecord.hpp"

namespace fovea::testing {

namespace tb = fovea::tensorboard;

inline uint64_t little_endian(const std::string& bytes, size_t at, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = value << 8 | uint8_t(bytes[at + size_t(i)]);
  return value;
}

// Every record of an event file, each CRC checked, each parsed as an Event. Throws on the first
// record that does not verify: a writer's file must never end in a torn record once flushed.
inline std::vector<tb::Event> read_events(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<tb::Event> events;
  for (size_t at = 0; at < bytes.size();) {
    const std::string where = path + " at byte " + std::to_string(at) + ": ";
    if (bytes.size() - at < 12) throw std::runtime_error(where + "truncated record header");
    const uint64_t length = little_endian(bytes, at, 8);
    if (little_endian(bytes, at + 8, 4) != train::detail::masked_crc32c(bytes.data() + at, 8))
      throw std::runtime_error(where + "the length's CRC does not match");
    if (bytes.size() - at - 12 < length + 4) throw std::runtime_error(where + "truncated record");
    const std::string data = bytes.substr(at + 12, length);
    if (little_endian(bytes, at + 12 + length, 4) != train::detail::masked_crc32c(data.data(), data.size()))
      throw std::runtime_error(where + "the data's CRC does not match");
    tb::Event event;
    if (!event.ParseFromString(data)) throw std::runtime_error(where + "not an Event");
    events.push_back(event);
    at += 12 + length + 4;
  }
  return events;
}

inline const tb::Summary::Value& only_value(const tb::Event& event) {
  if (event.summary().value_size() != 1) throw std::runtime_error("an event without exactly one value");
  return event.summary().value(0);
}

// The message of the `Error` that `call` throws; "" when it throws none (other types escape).
template <class Error>
std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A 2-wide, 3-high RGB picture as PNG bytes, drawn by cairo: red with a blue bottom row.
inline std::vector<unsigned char> png_2x3() {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 2, 3);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 0, 0);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0, 0, 1);
  cairo_rectangle(cr, 0, 2, 2, 1);
  cairo_fill(cr);
  cairo_destroy(cr);
  std::vector<unsigned char> png;
  auto append = [](void* out, const unsigned char* data, unsigned int length) {
    auto* bytes = static_cast<std::vector<unsigned char>*>(out);
    bytes->insert(bytes->end(), data, data + length);
    return CAIRO_STATUS_SUCCESS;
  };
  const cairo_status_t status = cairo_surface_write_to_png_stream(surface, append, &png);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) throw std::runtime_error("cairo could not write the PNG");
  return png;
}

}  // namespace fovea::testing
