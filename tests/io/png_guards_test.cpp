// The guards that run before stb_image reads a PNG (src/io/png_guards.cpp): a chunk declaring more
// bytes than the file holds is refused before stb_image allocates for it; empty IDAT chunks, on
// which stb_image calls memcpy with a null pointer, are left out and the picture is unchanged.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/image.hpp"
#include "support/png_bytes.hpp"

namespace fovea {
namespace {

using Bytes = std::vector<unsigned char>;

TEST(PngGuards, EmptyPngDataChunksAreLeftOutAndThePictureIsUnchanged) {
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

TEST(PngGuards, APngWhoseOnlyDataChunkIsEmptyIsRefused) {
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

TEST(PngGuards, APngChunkDeclaringMoreThanTheFileHoldsIsRefusedBeforeStbAllocatesIt) {
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
