#include "stb_guards.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

namespace fovea::io::detail {
namespace {

bool is_restart(unsigned char marker) { return marker >= 0xD0 && marker <= 0xD7; }

// stb_image reads past the end of its data as zeros; the table check reads the same way.
unsigned byte_at(const unsigned char* d, size_t n, size_t i) { return i < n ? d[i] : 0u; }

// stb_image 2.27 builds each Huffman table from its 16 code counts (codes of length 1..16) into
// arrays of 256 symbols without checking that the counts sum to at most 256: a DHT segment that
// declares more overflows the heap (fuzz/image_fuzz.cpp found it in a second). This reads the
// segment whose length field is at `at` the way stbi__process_marker does, table after table
// while the declared length lasts, and says which table is too large. A table header stb_image
// refuses itself (class > 1 or slot > 3) ends the check: stb stops there before building anything.
std::string check_huffman_tables(const unsigned char* d, size_t n, size_t at) {
  long remaining = static_cast<long>(byte_at(d, n, at) << 8 | byte_at(d, n, at + 1)) - 2;
  size_t i = at + 2;
  for (int table = 1; remaining > 0 && i < n; ++table) {
    const unsigned header = d[i];
    if ((header >> 4) > 1 || (header & 15) > 3) return "";
    size_t codes = 0;
    for (size_t length = 1; length <= 16; ++length) codes += byte_at(d, n, i + length);
    if (codes > 256)
      return "Huffman table " + std::to_string(table) + " of the DHT segment at byte " + std::to_string(at - 2) +
             " declares " + std::to_string(codes) + " codes; a table holds at most 256";
    i += 17 + codes;
    remaining -= static_cast<long>(17 + codes);
  }
  return "";
}

// The position of the marker that ends the entropy-coded data starting at i: in that data FF is
// followed by 00 (a stuffed FF byte) or a restart marker, after any number of FF fill bytes, as
// stb_image's bit reader takes it. Returns n when the data runs out first.
size_t end_of_entropy_coded_data(const unsigned char* d, size_t n, size_t i) {
  while (i < n) {
    if (d[i] != 0xFF) { ++i; continue; }
    size_t j = i + 1;
    while (j < n && d[j] == 0xFF) ++j;
    if (j >= n) return n;
    if (d[j] != 0x00 && !is_restart(d[j])) return j - 1;  // FF, then the marker's byte
    i = j + 1;
  }
  return n;
}

uint32_t big_endian_u32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

}  // namespace

// Walks from SOI segment by segment, skipping each by its length and each scan's entropy-coded
// data up to the next marker, following stb_image's reading where it decodes: it skips bytes that
// are not a marker up to the next FF (stb_image tolerates such padding between header segments
// and refuses a missing marker elsewhere, where going on costs nothing). Walking, rather than
// searching for FF D9, is not fooled by an EXIF thumbnail's own EOI nor by data appended after the
// image (phones append whole videos), and checks exactly the DHT segments stb_image would read.
JpegStructure walk_jpeg(const unsigned char* d, size_t n) {
  JpegStructure found;
  size_t i = 2;  // after SOI
  while (i + 1 < n) {
    if (d[i] != 0xFF) { ++i; continue; }
    const unsigned char marker = d[i + 1];
    if (marker == 0xD9) {
      found.reaches_end_marker = true;
      return found;
    }
    if (marker == 0xFF) { ++i; continue; }                           // a fill byte before a marker
    if (is_restart(marker) || marker == 0x01) { i += 2; continue; }  // markers without a length
    if (i + 3 >= n) return found;
    if (marker == 0xC4) {
      found.bad_huffman_table = check_huffman_tables(d, n, i + 2);
      if (!found.bad_huffman_table.empty()) return found;
    }
    i += 2 + (static_cast<size_t>(d[i + 2]) << 8 | d[i + 3]);
    if (marker == 0xDA) i = end_of_entropy_coded_data(d, n, i);
  }
  return found;
}

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
      std::string type;
      for (size_t k = 4; k < 8; ++k) type += static_cast<char>(d[i + k]);
      return "chunk '" + type + "' at byte " + std::to_string(i) + " declares " + std::to_string(length) +
             " bytes of data, but the file ends " + std::to_string(after_header) + " bytes after its header";
    }
    if (std::equal(d + i + 4, d + i + 8, "IEND")) break;
    i += 12 + static_cast<size_t>(length);
  }
  return "";
}

}  // namespace fovea::io::detail
