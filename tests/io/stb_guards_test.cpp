// The guards that run before stb_image (src/io/stb_guards.cpp). JPEG: a Huffman table larger than
// stb_image 2.27's arrays is refused wherever stb_image would read it (in the header, in a later
// table of the same segment, after a scan's entropy-coded data, after padding), and only there: the
// same bytes inside an APP segment are data, and the image decodes; a scan decoding with a table
// no DHT defined is refused, and a progressive scan needs only the tables it decodes with. PNG: a chunk declaring more
// bytes than the file holds is refused before stb_image allocates for it; empty IDAT chunks, on
// which stb_image calls memcpy with a null pointer, are left out and the picture is unchanged.
#include <gtest/gtest.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/image.hpp"
#include "support/png_bytes.hpp"

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

// A DHT segment of one table (class 0 DC or 1 AC in the high nibble, slot in the low) with one code.
Bytes one_code_table(unsigned char class_and_slot) {
  Bytes table(1 + 16 + 1, 0x00);
  table[0] = class_and_slot;
  table[1] = 1;  // one code of length 1
  return dht_segment({table});
}

// 16 counts of 255: 4080 codes, where 256 fit. Its declared length is what the counts say, so a
// walk that trusted lengths alone would read it as well formed.
const Bytes kOversizedDht = dht_segment({huffman_table(255)});
const Bytes kSoi{0xFF, 0xD8}, kEoi{0xFF, 0xD9};

void expect_huffman_refusal(const std::string& message, const std::string& table) {
  EXPECT_NE(message.find("hostile.jpg: corrupt or truncated JPEG: Huffman table " + table), std::string::npos) << message;
  EXPECT_NE(message.find("declares 4080 codes; a table holds at most 256"), std::string::npos) << message;
}

TEST(StbGuards, OversizedHuffmanTableInTheHeaderIsRefusedBeforeStbReadsIt) {
  expect_huffman_refusal(refusal(concat({kSoi, kOversizedDht, kEoi})), "1 of the DHT segment at byte 2");
}

TEST(StbGuards, OversizedSecondTableOfASegmentIsRefused) {
  // A full table (16 counts of 16 = 256 codes) is the largest that fits, and passes.
  const Bytes segment = dht_segment({huffman_table(16), huffman_table(255)});
  expect_huffman_refusal(refusal(concat({kSoi, segment, kEoi})), "2 ");
}

TEST(StbGuards, OversizedTableAfterAScanIsFoundPastStuffingFillAndRestarts) {
  // A scan header, then entropy-coded data holding a stuffed FF (FF 00), fill bytes before a
  // stuffed FF (FF FF 00) and a restart marker, none of which ends the data; the DHT after it is
  // where a progressive JPEG puts the next scan's tables.
  const Bytes scan{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00};
  // A walk that took FF FF 00 for fill before a marker 00 would read 0x00C4 as that segment's
  // length and skip past the DHT.
  const Bytes entropy{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xFF, 0x00, 0xC4, 0x56, 0xFF, 0xD3, 0x78};
  const Bytes tables = concat({one_code_table(0x00), one_code_table(0x10)});  // the scan's DC 0 and AC 0
  const std::string message = refusal(concat({kSoi, tables, scan, entropy, kOversizedDht, kEoi}));
  expect_huffman_refusal(message, "1 of the DHT segment at byte " + std::to_string(2 + tables.size() + scan.size() + entropy.size()));
}

TEST(StbGuards, OversizedTableAfterPaddingBetweenSegmentsIsRefused) {
  // stb_image skips bytes that are not a marker between header segments, up to the next FF.
  const Bytes comment{0xFF, 0xFE, 0x00, 0x04, 'h', 'i'};
  const Bytes padding{0x00, 0x00, 'p', 'a', 'd'};
  expect_huffman_refusal(refusal(concat({kSoi, comment, padding, kOversizedDht, kEoi})), "1 ");
}

// A progressive frame of one 16x16 component, a DC table 0 with one code, and scans naming
// their tables by the selector byte: stb_image reads whatever its unset tables hold (they are
// malloc'd, not cleared) for a table no DHT defined.
const Bytes kProgressiveFrame{0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00};
Bytes scan(unsigned char selectors, unsigned char spectral_start, unsigned char successive) {
  return {0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, selectors, spectral_start, 0x3F, successive, 0x12, 0x34};
}

TEST(StbGuards, AScanDecodingWithAHuffmanTableNeverDefinedIsRefused) {
  const Bytes dc0 = one_code_table(0x00);
  // A progressive AC scan with AC table 0, which no DHT defines.
  std::string message = refusal(concat({kSoi, kProgressiveFrame, dc0, scan(0x00, 1, 0x00), kEoi}));
  EXPECT_NE(message.find("hostile.jpg: corrupt or truncated JPEG: the scan at byte 37 decodes with AC Huffman table 0, "
                         "which no DHT segment before it defines"),
            std::string::npos)
      << message;
  // A baseline frame decodes every scan with both tables.
  Bytes baseline = kProgressiveFrame;
  baseline[1] = 0xC0;
  message = refusal(concat({kSoi, baseline, dc0, scan(0x00, 0, 0x00), kEoi}));
  EXPECT_NE(message.find("decodes with AC Huffman table 0"), std::string::npos) << message;
  message = refusal(concat({kSoi, baseline, one_code_table(0x10), scan(0x10, 0, 0x00), kEoi}));
  EXPECT_NE(message.find("decodes with DC Huffman table 1"), std::string::npos) << message;
}

TEST(StbGuards, ProgressiveScansNeedOnlyTheTablesTheyDecodeWith) {
  // A first DC scan needs only its DC table, a DC refinement none: neither is refused for the AC
  // selector, which progressive encoders leave at 0 with no AC table 0 defined. (stb_image then
  // refuses these made-up scans for their data; the message says so, not "Huffman table".)
  const Bytes dc0 = one_code_table(0x00);
  for (const Bytes& s : {scan(0x00, 0, 0x00), scan(0x00, 0, 0x10)}) {
    const std::string message = refusal(concat({kSoi, kProgressiveFrame, dc0, s, kEoi}));
    EXPECT_EQ(message.find("Huffman table"), std::string::npos) << message;
  }
  // A real progressive JPEG (written by PIL) decodes.
  const std::string path = std::string(FOVEA_FIXTURES_DIR) + "/progressive_16x16.jpg";
  EXPECT_EQ(io::read_image_gray(path).shape(), (Shape{16, 16}));
}

TEST(StbGuards, TheSameBytesInsideAnAppSegmentAreDataAndTheImageDecodes) {
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

TEST(StbGuards, EmptyPngDataChunksAreLeftOutAndThePictureIsUnchanged) {
  Bytes rows;
  for (int y = 0; y < 12; ++y) {
    rows.push_back(0);  // filter: none
    for (int x = 0; x < 12; ++x) rows.push_back(static_cast<unsigned char>(20 * x + 3 * y));
  }
  const Bytes plain = testing::make_png(12, 12, 8, rows);
  // The same file with an empty IDAT before its IDAT (where stb_image's buffer does not exist yet)
  // and another after it: the IHDR chunk ends at byte 8 + 25.
  Bytes with_empty(plain.begin(), plain.begin() + 33);
  testing::put_chunk(with_empty, "IDAT", {});
  const size_t iend = plain.size() - 12;
  with_empty.insert(with_empty.end(), plain.begin() + 33, plain.begin() + static_cast<std::ptrdiff_t>(iend));
  testing::put_chunk(with_empty, "IDAT", {});
  with_empty.insert(with_empty.end(), plain.begin() + static_cast<std::ptrdiff_t>(iend), plain.end());

  const Tensor expected = io::decode_image_gray(plain.data(), plain.size(), "plain.png");
  const Tensor got = io::decode_image_gray(with_empty.data(), with_empty.size(), "empty_idat.png");
  ASSERT_EQ(got.shape(), expected.shape());
  for (int64_t i = 0; i < got.numel(); ++i) ASSERT_EQ(got.data()[i], expected.data()[i]) << i;
}

TEST(StbGuards, APngWhoseOnlyDataChunkIsEmptyIsRefused) {
  Bytes png = testing::make_png(12, 12, 8, Bytes(12 * 13, 0));
  const Bytes tail(png.end() - 12, png.end());  // IEND
  png.resize(33);
  testing::put_chunk(png, "IDAT", {});
  png.insert(png.end(), tail.begin(), tail.end());
  try {
    io::decode_image_gray(png.data(), png.size(), "no_data.png");
    FAIL() << "decoded a PNG without image data";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("no_data.png: corrupt or truncated PNG"), std::string::npos) << e.what();
  }
}

TEST(StbGuards, APngChunkDeclaringMoreThanTheFileHoldsIsRefusedBeforeStbAllocatesIt) {
  Bytes png = testing::make_png(12, 12, 8, Bytes(12 * 13, 0));
  png.resize(33);  // the signature and IHDR
  testing::put_u32(png, 1u << 30);  // an IDAT of 1 GiB, of which 3 bytes follow
  for (unsigned char b : Bytes{'I', 'D', 'A', 'T', 0x78, 0x9C, 0x63}) png.push_back(b);
  try {
    io::decode_image_gray(png.data(), png.size(), "huge_chunk.png");
    FAIL() << "decoded a PNG whose chunk runs past its end";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("huge_chunk.png: truncated PNG: chunk 'IDAT' at byte 33 declares 1073741824 "
                                         "bytes of data, but the file ends 3 bytes after its header"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace fovea
