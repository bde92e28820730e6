#pragma once
// A walk over a JPEG's marker segments, done before the bytes reach stb_image, for the two things
// stb_image 2.27 (Debian 12's libstb) gets wrong on hostile or damaged input. Private to src/io.

#include <cstddef>
#include <string>

namespace fovea::io::detail {

struct JpegStructure {
  // EOI (FF D9) comes before the bytes run out. stb_image reads past the end of a short JPEG as
  // zeros and returns a partly blank picture, so the caller turns false into "truncated".
  bool reaches_end_marker = false;
  // Empty, or why a Huffman table (a DHT segment) would overflow stb_image's arrays.
  std::string bad_huffman_table;
};

JpegStructure walk_jpeg(const unsigned char* data, size_t size);

}  // namespace fovea::io::detail
