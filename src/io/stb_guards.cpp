#include "stb_guards.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace fovea::io::detail {
namespace {

bool is_restart(unsigned char marker) { return marker >= 0xD0 && marker <= 0xD7; }

// stb_image reads past the end of its data as zeros; the table check reads the same way.
unsigned byte_at(const unsigned char* d, size_t n, size_t i) { return i < n ? d[i] : 0u; }

// The Huffman tables DHT segments have defined so far: [class: 0 DC, 1 AC][slot 0..3].
using DefinedTables = bool[2][4];

// stb_image 2.27 builds each Huffman table from its 16 code counts (codes of length 1..16) into
// arrays of 256 symbols without checking that the counts sum to at most 256: a DHT segment that
// declares more overflows the heap (fuzz/image_fuzz.cpp found it in a second). This reads the
// segment whose length field is at `at` the way stbi__process_marker does, table after table
// while the declared length lasts, and says which table is too large. A table header stb_image
// refuses itself (class > 1 or slot > 3) ends the check: stb stops there before building anything.
// Each table checked is marked in `defined`, for check_scan_tables.
std::string check_huffman_tables(const unsigned char* d, size_t n, size_t at, DefinedTables& defined) {
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
    defined[header >> 4][header & 15] = true;
    i += 17 + codes;
    remaining -= static_cast<long>(17 + codes);
  }
  return "";
}

// stb_image 2.27 allocates its decoder state with malloc and does not clear it, so a scan that
// decodes with a Huffman table no DHT segment has defined reads uninitialised tables and indexes
// past their 256 symbols (found by fuzz/image_fuzz.cpp: a progressive AC scan before its table).
// This reads the SOS segment whose length field is at `at` and checks the tables stb_image would
// decode it with: in a baseline frame, each component's DC and AC table; in a progressive frame, the
// DC table in a first DC scan (a DC refinement decodes none) and the AC table in an AC scan.
// Selectors above 3 are left to stb_image, which refuses them.
std::string check_scan_tables(const unsigned char* d, size_t n, size_t at, bool progressive, const DefinedTables& defined) {
  const size_t components = byte_at(d, n, at + 2);
  const size_t after_components = at + 3 + 2 * components;
  const unsigned spectral_start = byte_at(d, n, after_components);
  const unsigned successive_high = byte_at(d, n, after_components + 2) >> 4;
  const bool uses_dc = !progressive || (spectral_start == 0 && successive_high == 0);
  const bool uses_ac = !progressive || spectral_start > 0;
  for (size_t k = 0; k < components; ++k) {
    const unsigned selectors = byte_at(d, n, at + 4 + 2 * k);
    const unsigned dc = selectors >> 4, ac = selectors & 15;
    const auto undefined = [&](const char* kind, unsigned slot) {
      return std::string("the scan at byte ") + std::to_string(at - 2) + " decodes with " + kind + " Huffman table " +
             std::to_string(slot) + ", which no DHT segment before it defines";
    };
    if (uses_dc && dc <= 3 && !defined[0][dc]) return undefined("DC", dc);
    if (uses_ac && ac <= 3 && !defined[1][ac]) return undefined("AC", ac);
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
// image (phones append whole videos), and checks exactly the DHT and SOS segments stb_image would read.
JpegStructure walk_jpeg(const unsigned char* d, size_t n) {
  JpegStructure found;
  DefinedTables defined = {};
  bool progressive = false;
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
    if (marker == 0xC2) progressive = true;  // stb_image reads SOF0, SOF1 (baseline rules) and SOF2
    if (marker == 0xC4) found.bad_huffman_table = check_huffman_tables(d, n, i + 2, defined);
    if (marker == 0xDA) found.bad_huffman_table = check_scan_tables(d, n, i + 2, progressive, defined);
    if (!found.bad_huffman_table.empty()) return found;
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
