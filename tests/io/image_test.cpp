// io::read_image_gray / decode_image_gray: every accepted format decodes to the right size and
// values, and every bad file is refused with one line that names it.
#include "fovea/io/image.hpp"

#include <gtest/gtest.h>
#include <stb_image_write.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "support/png_bytes.hpp"
#include "support/temp_dir.hpp"

namespace fovea {
namespace {

using io::ImageLimits;
using io::read_image_gray;
using testing::TempDir;
using testing::make_png;
using testing::put_chunk;

using Bytes = std::vector<unsigned char>;

// 13 x 9: odd, not square, so a transposed or flipped decode cannot match.
constexpr int kW = 13, kH = 9;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const IOError& e) {
    return e.what();
  }
  return "(no IOError thrown)";
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Interleaved 8-bit samples with every channel different: channel c of pixel (x, y).
Bytes pattern(int channels) {
  Bytes out;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      for (int c = 0; c < channels; ++c) out.push_back(static_cast<unsigned char>((x * 17 + y * 29 + c * 83) % 256));
  return out;
}

// What read_image_gray must return for `pattern(channels)`.
std::vector<float> expected_gray(int channels) {
  const Bytes p = pattern(channels);
  std::vector<float> out;
  for (size_t i = 0; i < p.size(); i += static_cast<size_t>(channels)) {
    auto s = [&](int c) { return p[i + static_cast<size_t>(c)] / 255.0f; };
    float v = channels >= 3 ? 0.299f * s(0) + 0.587f * s(1) + 0.114f * s(2) : s(0);
    if (channels == 2 || channels == 4) {
      const float a = s(channels - 1);
      v = a * v + (1 - a);
    }
    out.push_back(v);
  }
  return out;
}

void expect_image(const Tensor& t, const std::vector<float>& expected, float tolerance) {
  ASSERT_EQ(t.shape(), (Shape{kH, kW}));
  const std::vector<float> got = t.to_vector();
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], tolerance) << "pixel (" << i / kW << ", " << i % kW << ")";
}

TEST(Image, PngOfEveryColourTypeDecodesToLuma) {
  TempDir dir;
  for (int channels : {1, 2, 3, 4}) {
    SCOPED_TRACE("channels " + std::to_string(channels));
    const std::string path = dir / ("c" + std::to_string(channels) + ".png");
    const Bytes pixels = pattern(channels);
    ASSERT_TRUE(stbi_write_png(path.c_str(), kW, kH, channels, pixels.data(), kW * channels));
    expect_image(read_image_gray(path), expected_gray(channels), 1e-6f);
  }
}

TEST(Image, SixteenBitPngKeepsTheLowByte) {
  TempDir dir;
  Bytes rows;
  std::vector<float> expected;
  for (int y = 0; y < kH; ++y) {
    rows.push_back(0);  // filter: none
    for (int x = 0; x < kW; ++x) {
      const uint16_t v = static_cast<uint16_t>(x * 4099 + y * 257 + 1);
      rows.push_back(static_cast<unsigned char>(v >> 8)), rows.push_back(static_cast<unsigned char>(v & 0xFF));
      expected.push_back(v / 65535.0f);
    }
  }
  write_bytes(dir / "deep.png", make_png(kW, kH, 16, rows));
  expect_image(read_image_gray(dir / "deep.png"), expected, 1e-7f);
}

TEST(Image, BmpDecodesExactly) {
  TempDir dir;
  for (int channels : {1, 3, 4}) {
    SCOPED_TRACE("channels " + std::to_string(channels));
    const std::string path = dir / ("c" + std::to_string(channels) + ".bmp");
    ASSERT_TRUE(stbi_write_bmp(path.c_str(), kW, kH, channels, pattern(channels).data()));
    expect_image(read_image_gray(path), expected_gray(channels), 1e-6f);  // 4: a 32-bit BMP with alpha
  }
}

TEST(Image, JpegDecodesWithinCompressionError) {
  TempDir dir;
  // A smooth ramp: JPEG's error on it is small and stable, unlike on the high-frequency pattern.
  Bytes pixels;
  std::vector<float> expected;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      const auto v = static_cast<unsigned char>(40 + 12 * x + 6 * y);
      pixels.insert(pixels.end(), {v, v, v});
      expected.push_back(v / 255.0f);
    }
  const std::string path = dir / "ramp.jpg";
  ASSERT_TRUE(stbi_write_jpg(path.c_str(), kW, kH, 3, pixels.data(), 95));
  expect_image(read_image_gray(path), expected, 0.04f);
}

TEST(Image, NetpbmBinaryAndAsciiWithAnyMaxval) {
  TempDir dir;
  const Bytes gray = pattern(1), rgb = pattern(3);
  auto header = [](const char* magic, int maxval) {
    return std::string(magic) + "\n# a comment\n" + std::to_string(kW) + " " + std::to_string(kH) + "\n" + std::to_string(maxval) + "\n";
  };
  {  // P5, 8-bit
    std::string text = header("P5", 255);
    text.append(gray.begin(), gray.end());
    write_text(dir / "a.pgm", text);
    expect_image(read_image_gray(dir / "a.pgm"), expected_gray(1), 0);
  }
  {  // P6, 8-bit
    std::string text = header("P6", 255);
    text.append(rgb.begin(), rgb.end());
    write_text(dir / "a.ppm", text);
    expect_image(read_image_gray(dir / "a.ppm"), expected_gray(3), 1e-6f);
  }
  {  // P5, 16-bit big-endian, maxval 1000
    std::string text = header("P5", 1000);
    std::vector<float> expected;
    for (int i = 0; i < kW * kH; ++i) {
      const int v = (i * 37) % 1001;
      text += static_cast<char>(v >> 8), text += static_cast<char>(v & 0xFF);
      expected.push_back(v / 1000.0f);
    }
    write_text(dir / "deep.pgm", text);
    expect_image(read_image_gray(dir / "deep.pgm"), expected, 1e-7f);
  }
  {  // P2, maxval 15: scaled by maxval, not by 255
    std::string text = header("P2", 15);
    std::vector<float> expected;
    for (int i = 0; i < kW * kH; ++i) {
      text += std::to_string(i % 16) + ((i + 1) % kW ? " " : "\n");
      expected.push_back((i % 16) / 15.0f);
    }
    write_text(dir / "ascii.pgm", text);
    expect_image(read_image_gray(dir / "ascii.pgm"), expected, 1e-7f);
  }
  {  // P3
    std::string text = header("P3", 255);
    for (unsigned char v : rgb) text += std::to_string(v) + " ";
    write_text(dir / "ascii.ppm", text);
    expect_image(read_image_gray(dir / "ascii.ppm"), expected_gray(3), 1e-6f);
  }
}

TEST(Image, DecodesFromMemoryUnderTheGivenName) {
  TempDir dir;
  ASSERT_TRUE(stbi_write_png((dir / "a.png").c_str(), kW, kH, 1, pattern(1).data(), kW));
  const Bytes png = read_bytes(dir / "a.png");
  expect_image(io::decode_image_gray(png.data(), png.size(), "upload"), expected_gray(1), 1e-6f);
  const std::string what = message_of([&] { io::decode_image_gray(png.data(), png.size() / 2, "upload"); });
  EXPECT_EQ(what.rfind("upload: ", 0), 0u) << what;
}

// ---- refusals: one line, naming the file ----

void expect_refused(const std::string& what, const std::string& path, const std::vector<std::string>& mentions) {
  EXPECT_EQ(what.rfind(path + ": ", 0), 0u) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  for (const auto& m : mentions) EXPECT_NE(what.find(m), std::string::npos) << "'" << m << "' not in: " << what;
}

TEST(Image, RefusesATextFileListingTheAcceptedFormats) {
  TempDir dir;
  write_text(dir / "notes.png", "Hello, this is not a picture.\n");
  expect_refused(message_of([&] { read_image_gray(dir / "notes.png"); }), dir / "notes.png",
                 {"not an image", "PNG, JPEG, BMP or PGM/PPM"});
}

TEST(Image, RefusesMissingEmptyAndDirectory) {
  TempDir dir;
  expect_refused(message_of([&] { read_image_gray(dir / "absent.png"); }), dir / "absent.png", {"no such file"});
  write_text(dir / "empty.png", "");
  expect_refused(message_of([&] { read_image_gray(dir / "empty.png"); }), dir / "empty.png", {"empty"});
  expect_refused(message_of([&] { read_image_gray(dir.path().string()); }), dir.path().string(), {"not a regular file"});
}

TEST(Image, RefusesTruncatedFilesOfEveryFormat) {
  TempDir dir;
  const Bytes rgb = pattern(3);
  ASSERT_TRUE(stbi_write_png((dir / "a.png").c_str(), kW, kH, 3, rgb.data(), kW * 3));
  ASSERT_TRUE(stbi_write_jpg((dir / "a.jpg").c_str(), kW, kH, 3, rgb.data(), 90));
  ASSERT_TRUE(stbi_write_bmp((dir / "a.bmp").c_str(), kW, kH, 3, rgb.data()));
  std::string pgm = "P5 13 9 255\n";
  pgm.append(kW * kH, '\x80');
  write_text(dir / "a.pgm", pgm);
  for (const std::string name : {"a.png", "a.jpg", "a.bmp", "a.pgm"}) {
    SCOPED_TRACE(name);
    Bytes bytes = read_bytes(dir / name);
    bytes.resize(bytes.size() * 2 / 3);
    write_bytes(dir / ("cut_" + name), bytes);
    expect_refused(message_of([&] { read_image_gray(dir / ("cut_" + name)); }), dir / ("cut_" + name),
                   {"truncated"});
  }
}

TEST(Image, StbReasonQuotingFileBytesStaysOneLine) {
  TempDir dir;
  Bytes png = make_png(kW, kH, 8, Bytes(kH * (kW + 1), 0));
  Bytes chunk;
  put_chunk(chunk, "A\nBC", {});  // an unknown critical chunk; stb quotes its type in the reason
  png.insert(png.begin() + 33, chunk.begin(), chunk.end());  // after the signature and IHDR
  write_bytes(dir / "odd.png", png);
  expect_refused(message_of([&] { read_image_gray(dir / "odd.png"); }), dir / "odd.png", {"corrupt", "\\x0a"});
}

TEST(Image, JpegWithDataAppendedAfterTheImageStillDecodes) {
  TempDir dir;
  const Bytes rgb = pattern(3);
  ASSERT_TRUE(stbi_write_jpg((dir / "a.jpg").c_str(), kW, kH, 3, rgb.data(), 90));
  Bytes bytes = read_bytes(dir / "a.jpg");
  bytes.insert(bytes.end(), {0xFF, 0xDA, 0x00, 0x08, 'v', 'i', 'd', 'e', 'o'});  // as phones append a video
  write_bytes(dir / "b.jpg", bytes);
  EXPECT_EQ(read_image_gray(dir / "b.jpg").shape(), (Shape{kH, kW}));
}

TEST(Image, RefusesCorruptNetpbmNamingTheByte) {
  TempDir dir;
  std::string over = "P2 8 8 15\n";
  for (int i = 0; i < 63; ++i) over += "1 ";
  write_text(dir / "over.pgm", over + "16\n");
  expect_refused(message_of([&] { read_image_gray(dir / "over.pgm"); }), dir / "over.pgm", {"exceeds maxval 15", "byte"});
  write_text(dir / "over_binary.pgm", "P5 8 8 100\n" + std::string(64, '\xC8'));
  expect_refused(message_of([&] { read_image_gray(dir / "over_binary.pgm"); }), dir / "over_binary.pgm",
                 {"pixel value 200", "exceeds maxval 100"});
  write_text(dir / "words.pgm", "P5 eight 8 255\n");
  expect_refused(message_of([&] { read_image_gray(dir / "words.pgm"); }), dir / "words.pgm", {"corrupt", "width", "byte 3"});
}

TEST(Image, RefusesAnImageTooSmallToHoldADigit) {
  TempDir dir;
  const unsigned char white[3] = {255, 255, 255};
  ASSERT_TRUE(stbi_write_png((dir / "dot.png").c_str(), 1, 1, 3, white, 3));
  expect_refused(message_of([&] { read_image_gray(dir / "dot.png"); }), dir / "dot.png", {"1x1", "too small", "8 pixels"});
  ImageLimits any_size;
  any_size.min_side = 1;
  EXPECT_FLOAT_EQ(read_image_gray(dir / "dot.png", any_size).item(), 1.0f);
}

// A few hundred bytes whose header claims a huge image: refused from the header by the limit. Were
// it decoded instead, stb would allocate for the claimed size and then fail with "corrupt".
TEST(Image, RefusesAHugeHeaderBeforeDecoding) {
  TempDir dir;
  const Bytes one_row(1 + 2000, 0);
  write_bytes(dir / "wide.png", make_png(20000, 20000, 8, one_row));
  ASSERT_LT(read_bytes(dir / "wide.png").size(), 500u);
  expect_refused(message_of([&] { read_image_gray(dir / "wide.png"); }), dir / "wide.png",
                 {"20000x20000", "too large", "16384 pixels per side"});
  write_bytes(dir / "big.png", make_png(10000, 10000, 8, one_row));
  expect_refused(message_of([&] { read_image_gray(dir / "big.png"); }), dir / "big.png",
                 {"10000x10000", "too large", "50000000 pixels"});
  write_text(dir / "big.pgm", "P5 10000 10000 255\n");
  expect_refused(message_of([&] { read_image_gray(dir / "big.pgm"); }), dir / "big.pgm", {"50000000 pixels"});
}

TEST(Image, RefusesAFileOverTheSizeLimitBeforeReadingIt) {
  TempDir dir;
  ASSERT_TRUE(stbi_write_png((dir / "a.png").c_str(), kW, kH, 1, pattern(1).data(), kW));
  ImageLimits tight;
  tight.max_file_bytes = 16;
  expect_refused(message_of([&] { read_image_gray(dir / "a.png", tight); }), dir / "a.png",
                 {"too large", "16 bytes (ImageLimits::max_file_bytes)"});
  tight = {};
  tight.max_side = 4;  // below min_side: a caller's mistake, not a bad file
  EXPECT_THROW(read_image_gray(dir / "a.png", tight), ValueError);
}

}  // namespace
}  // namespace fovea
