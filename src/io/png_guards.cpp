#include "png_guards.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace fovea::io::detail {
namespace {

uint32_t big_endian_u32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

}  // namespace

bool drop_empty_png_data_chunks(const unsigned char* d, size_t n, std::vector<unsigned char>& without) {
  // A chunk: 4-byte length, 4-byte type, the data, 4-byte CRC; the first starts after the 8-byte signature.
  std::vector<std::pair<size_t, size_t>> kept;  // [begin, end) runs of the file to keep
  size_t run_begin = 0, i = 8;
  bool dropped = false;
  while (i + 12 <= n) {
    const uint64_t length = big_endian_u32(d + i);
    if (length > n - i - 12) break;  // stb_image refuses the file there, after the chunks before
    const size_t next = i + 12 + static_cast<size_t>(length);
    if (length == 0 && std::equal(d + i + 4, d + i + 8, "IDAT")) {
      kept.emplace_back(run_begin, i);
      run_begin = next;
      dropped = true;
    }
    if (std::equal(d + i + 4, d + i + 8, "IEND")) break;
    i = next;
  }
  if (!dropped) return false;
  kept.emplace_back(run_begin, n);
  without.clear();
  for (const auto& [begin, end] : kept) without.insert(without.end(), d + begin, d + end);
  return true;
}

std::string png_chunk_past_the_end(const unsigned char* d, size_t n) {
  for (size_t i = 8; i + 8 <= n;) {  // a chunk header: 4-byte length, 4-byte type
    const uint64_t length = big_endian_u32(d + i);
    const uint64_t after_header = n - i - 8;  // the chunk's data must fit here (a CRC cut off is stb's to judge)
    if (length > after_header) {
      std::string type;  // printable ASCII as is, any other byte as \xNN: the message stays one clean line
      for (size_t k = 4; k < 8; ++k) {
        char byte[8];
        std::snprintf(byte, sizeof byte, d[i + k] >= 0x20 && d[i + k] < 0x7F ? "%c" : "\\x%02x", d[i + k]);
        type += byte;
      }
      return "chunk '" + type + "' at byte " + std::to_string(i) + " declares " + std::to_string(length) +
             " bytes of data, but the file ends " + std::to_string(after_header) + " bytes after its header";
    }
    if (std::equal(d + i + 4, d + i + 8, "IEND")) break;
    i += 12 + static_cast<size_t>(length);
  }
  return "";
}

}  // namespace fovea::io::detail
