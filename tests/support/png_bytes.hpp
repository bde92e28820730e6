#pragma once
// PNG files by hand, for what stb_image_write cannot make: 16-bit samples, and headers that lie
// (a 20000 x 20000 image in a few hundred bytes).
#include <zlib.h>

#include <cstdint>
#include <vector>

namespace fovea::testing {

inline void put_u32(std::vector<unsigned char>& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(v >> shift));
}
inline void put_chunk(std::vector<unsigned char>& png, const char* type, const std::vector<unsigned char>& data) {
  put_u32(png, static_cast<uint32_t>(data.size()));
  std::vector<unsigned char> typed(type, type + 4);
  typed.insert(typed.end(), data.begin(), data.end());
  png.insert(png.end(), typed.begin(), typed.end());
  put_u32(png, static_cast<uint32_t>(crc32(0, typed.data(), static_cast<uInt>(typed.size()))));
}
// `rows` is the raw scanlines (filter bytes included); colour type 0 = gray.
inline std::vector<unsigned char> make_png(uint32_t width, uint32_t height, int bit_depth, const std::vector<unsigned char>& rows) {
  std::vector<unsigned char> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<unsigned char> ihdr;
  put_u32(ihdr, width), put_u32(ihdr, height);
  ihdr.insert(ihdr.end(), {static_cast<unsigned char>(bit_depth), 0, 0, 0, 0});
  put_chunk(png, "IHDR", ihdr);
  uLongf packed_size = compressBound(static_cast<uLong>(rows.size()));
  std::vector<unsigned char> packed(packed_size);
  compress(packed.data(), &packed_size, rows.data(), static_cast<uLong>(rows.size()));
  packed.resize(packed_size);
  put_chunk(png, "IDAT", packed);
  put_chunk(png, "IEND", {});
  return png;
}

}  // namespace fovea::testing
