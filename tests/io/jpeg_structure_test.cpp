// The JPEG walk that runs before stb_image: a Huffman table larger than stb_image 2.27's arrays is
// refused wherever stb_image would read it (in the header, in a later table of the same segment,
// after a scan's entropy-coded data, after padding), and only there: the same bytes inside an APP
// segment are data, and the image decodes.
#include <gtest/gtest.h>
#include <stb_image_write.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/image.hpp"

namespace fovea {
namespace {

using Bytes = std::vector<unsigned char>;

std::string refusal(const Bytes& bytes) {
  try {
    io::decode_image_gray(bytes.data(), bytes.size(), "hostile.jpg");
  } catch (const IOError& e) {
    return e.what();
  }
  return "(no IOError thrown)";
}

// A DHT table: class/slot byte, 16 code counts, then as many symbols as the counts sum to.
Bytes huffman_table(unsigned char count_of_each_length) {
  Bytes table(1 + 16 + 16 * count_of_each_length, 0x00);  // class 0 (DC), slot 0; symbols 0
  std::fill(table.begin() + 1, table.begin() + 17, count_of_each_length);
  return table;
}

// A segment: FF, its marker, a big-endian length that counts itself, then the body.
Bytes segment(unsigned char marker, const Bytes& body) {
  const size_t length = body.size() + 2;
  Bytes out{0xFF, marker, static_cast<unsigned char>(length >> 8), static_cast<unsigned char>(length & 0xFF)};
  for (unsigned char b : body) out.push_back(b);
  return out;
}

Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts)
    for (unsigned char b : p) out.push_back(b);
  return out;
}

Bytes dht_segment(const std::vector<Bytes>& tables) { return segment(0xC4, concat(tables)); }

// 16 counts of 255: 4080 codes, where 256 fit. Its declared length is what the counts say, so a
// walk that trusted lengths alone would read it as well formed.
const Bytes kOversizedDht = dht_segment({huffman_table(255)});
const Bytes kSoi{0xFF, 0xD8}, kEoi{0xFF, 0xD9};

void expect_huffman_refusal(const std::string& message, const std::string& table) {
  EXPECT_NE(message.find("hostile.jpg: corrupt or truncated JPEG: Huffman table " + table), std::string::npos) << message;
  EXPECT_NE(message.find("declares 4080 codes; a table holds at most 256"), std::string::npos) << message;
}

TEST(JpegStructure, OversizedHuffmanTableInTheHeaderIsRefusedBeforeStbReadsIt) {
  expect_huffman_refusal(refusal(concat({kSoi, kOversizedDht, kEoi})), "1 of the DHT segment at byte 2");
}

TEST(JpegStructure, OversizedSecondTableOfASegmentIsRefused) {
  // A full table (16 counts of 16 = 256 codes) is the largest that fits, and passes.
  const Bytes segment = dht_segment({huffman_table(16), huffman_table(255)});
  expect_huffman_refusal(refusal(concat({kSoi, segment, kEoi})), "2 ");
}

TEST(JpegStructure, OversizedTableAfterAScanIsFoundPastStuffingFillAndRestarts) {
  // A scan header, then entropy-coded data holding a stuffed FF (FF 00), fill bytes before a
  // stuffed FF (FF FF 00) and a restart marker, none of which ends the data; the DHT after it is
  // where a progressive JPEG puts the next scan's tables.
  const Bytes scan{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00};
  // A walk that took FF FF 00 for fill before a marker 00 would read 0x00C4 as that segment's
  // length and skip past the DHT.
  const Bytes entropy{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xFF, 0x00, 0xC4, 0x56, 0xFF, 0xD3, 0x78};
  const std::string message = refusal(concat({kSoi, scan, entropy, kOversizedDht, kEoi}));
  expect_huffman_refusal(message, "1 of the DHT segment at byte " + std::to_string(2 + scan.size() + entropy.size()));
}

TEST(JpegStructure, OversizedTableAfterPaddingBetweenSegmentsIsRefused) {
  // stb_image skips bytes that are not a marker between header segments, up to the next FF.
  const Bytes comment{0xFF, 0xFE, 0x00, 0x04, 'h', 'i'};
  const Bytes padding{0x00, 0x00, 'p', 'a', 'd'};
  expect_huffman_refusal(refusal(concat({kSoi, comment, padding, kOversizedDht, kEoi})), "1 ");
}

TEST(JpegStructure, TheSameBytesInsideAnAppSegmentAreDataAndTheImageDecodes) {
  std::vector<unsigned char> pixels;
  for (int i = 0; i < 16 * 12; ++i) pixels.push_back(static_cast<unsigned char>(30 + i));
  Bytes jpeg;
  const auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<Bytes*>(context);
    out->insert(out->end(), static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + size);
  };
  ASSERT_TRUE(stbi_write_jpg_to_func(append, &jpeg, 16, 12, 1, pixels.data(), 90));
  // An APP1 segment (where EXIF and XMP live) holding the oversized table's bytes, right after SOI.
  const Bytes app1 = segment(0xE1, kOversizedDht);
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  EXPECT_EQ(io::decode_image_gray(jpeg.data(), jpeg.size(), "app1.jpg").shape(), (Shape{12, 16}));
}

}  // namespace
}  // namespace fovea
