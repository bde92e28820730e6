// JPEG decoding through libjpeg-turbo (src/io/image.cpp, decode_jpeg). The hostile cases are the
// inputs fuzz/image_fuzz.cpp found taking stb_image 2.27's JPEG reader past its arrays or into
// undefined behaviour; they must now be one IOError line naming the file. The rest checks that
// real files of every colour space decode to the right grey values.
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/image.hpp"

namespace fovea {
namespace {

using Bytes = std::vector<unsigned char>;
constexpr int kW = 24, kH = 16;

// Encodes `pixels` (kW x kH, `pixel_format` interleaved) as a JPEG at quality 95, 4:4:4 (grey:
// TJSAMP_GRAY), optionally progressive.
Bytes encode(const Bytes& pixels, int pixel_format, int subsampling = TJSAMP_444, int flags = 0) {
  std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitCompress(), tjDestroy);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  if (tjCompress2(handle.get(), pixels.data(), kW, 0, kH, pixel_format, &out, &size, subsampling, 95, flags) != 0) {
    ADD_FAILURE() << tjGetErrorStr2(handle.get());
    return {};
  }
  Bytes jpeg(out, out + size);
  tjFree(out);
  return jpeg;
}

// A smooth ramp: JPEG's error on it is small and stable.
unsigned char ramp(int x, int y) { return static_cast<unsigned char>(40 + 7 * x + 5 * y); }

Bytes rgb_ramp() {
  Bytes rgb;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) rgb.insert(rgb.end(), {ramp(x, y), static_cast<unsigned char>(255 - ramp(x, y)), 128});
  return rgb;
}

std::string refusal(const Bytes& bytes) {
  try {
    io::decode_image_gray(bytes.data(), bytes.size(), "hostile.jpg");
  } catch (const IOError& e) {
    return e.what();
  }
  return "(no IOError thrown)";
}

void expect_refused(const std::string& message, const std::string& reason) {
  EXPECT_EQ(message.rfind("hostile.jpg: corrupt or truncated JPEG", 0), 0u) << message;
  EXPECT_NE(message.find(reason), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

Bytes segment(unsigned char marker, const Bytes& body) {
  const size_t length = body.size() + 2;
  Bytes out{0xFF, marker, static_cast<unsigned char>(length >> 8), static_cast<unsigned char>(length & 0xFF)};
  for (unsigned char b : body) out.push_back(b);  // (insert() here trips g++ 12's -Wstringop-overread)
  return out;
}

// A DHT segment of one DC table whose 16 code counts are 255 each: 4080 codes, where 256 fit.
Bytes oversized_dht() {
  Bytes table(1 + 16 + 16 * 255, 0x00);
  std::fill(table.begin() + 1, table.begin() + 17, 255);
  return segment(0xC4, table);
}

TEST(Jpeg, AnOversizedHuffmanTableIsRefused) {
  Bytes jpeg = encode(rgb_ramp(), TJPF_RGB);
  const Bytes dht = oversized_dht();
  jpeg.insert(jpeg.begin() + 2, dht.begin(), dht.end());  // right after SOI
  expect_refused(refusal(jpeg), "Huffman table");
}

TEST(Jpeg, TheSameBytesInsideAnAppSegmentAreDataAndTheImageDecodes) {
  Bytes jpeg = encode(rgb_ramp(), TJPF_RGB);
  const Bytes app1 = segment(0xE1, oversized_dht());  // where EXIF and XMP live
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  EXPECT_EQ(io::decode_image_gray(jpeg.data(), jpeg.size(), "app1.jpg").shape(), (Shape{kH, kW}));
}

TEST(Jpeg, AScanDecodingWithAHuffmanTableNeverDefinedIsRefused) {
  // A progressive frame of one 16x16 component, a DC table 0 with one code, a first DC scan, then
  // an AC scan with AC table 0, which no DHT defines (stb_image read whatever its malloc'd tables
  // held).
  const Bytes soi{0xFF, 0xD8}, eoi{0xFF, 0xD9};
  const Bytes frame{0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00};
  Bytes dc_table(1 + 16 + 1, 0x00);
  dc_table[1] = 1;  // one code of length 1
  Bytes dqt(1 + 64, 1);
  dqt[0] = 0;  // table 0, 8-bit
  const Bytes dc_scan{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  const Bytes ac_scan{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x00, 0x12, 0x34};
  Bytes jpeg = soi;
  for (const Bytes& part : {segment(0xDB, dqt), frame, segment(0xC4, dc_table), dc_scan, ac_scan, eoi})
    jpeg.insert(jpeg.end(), part.begin(), part.end());
  // libjpeg numbers the missing table by its slot: AC slot 0, as DC slot 0 is defined.
  expect_refused(refusal(jpeg), "Huffman table 0x00 was not defined");
}

TEST(Jpeg, AScanCutShortByAMarkerIsRefusedRatherThanReturnedHalfGrey) {
  // What made stb_image shift by 32 bits: the entropy-coded data ends at a marker mid-scan.
  Bytes jpeg = encode(rgb_ramp(), TJPF_RGB);
  jpeg.resize(jpeg.size() - 2 - 40);  // drop EOI and the last 40 bytes of the scan
  jpeg.insert(jpeg.end(), {0xFF, 0xD9});
  expect_refused(refusal(jpeg), "premature end of data segment");
}

TEST(Jpeg, ATruncatedFileIsRefused) {
  Bytes jpeg = encode(rgb_ramp(), TJPF_RGB);
  jpeg.resize(jpeg.size() - 30);  // inside the scan
  expect_refused(refusal(jpeg), "Premature end of JPEG file");
}

void expect_gray(const Tensor& got, const std::vector<float>& expected, float tolerance) {
  ASSERT_EQ(got.shape(), (Shape{kH, kW}));
  float worst = 0.0f;
  for (int64_t i = 0; i < got.numel(); ++i) worst = std::max(worst, std::abs(got.data()[i] - expected[i]));
  EXPECT_LE(worst, tolerance);
}

std::vector<float> luma_of(const Bytes& rgb) {
  std::vector<float> out;
  for (size_t i = 0; i < rgb.size(); i += 3)
    out.push_back((0.299f * rgb[i] + 0.587f * rgb[i + 1] + 0.114f * rgb[i + 2]) / 255.0f);
  return out;
}

TEST(Jpeg, ColourGreyAndProgressiveFilesDecodeToLuma) {
  const Bytes rgb = rgb_ramp();
  for (int flags : {0, TJFLAG_PROGRESSIVE}) {
    SCOPED_TRACE(flags);
    const Bytes colour = encode(rgb, TJPF_RGB, TJSAMP_444, flags);
    expect_gray(io::decode_image_gray(colour.data(), colour.size(), "rgb.jpg"), luma_of(rgb), 0.03f);
    Bytes grey;
    std::vector<float> expected;
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) {
        grey.push_back(ramp(x, y));
        expected.push_back(ramp(x, y) / 255.0f);
      }
    const Bytes gray_jpeg = encode(grey, TJPF_GRAY, TJSAMP_GRAY, flags);
    expect_gray(io::decode_image_gray(gray_jpeg.data(), gray_jpeg.size(), "grey.jpg"), expected, 0.03f);
  }
  // A progressive JPEG written by another encoder (PIL).
  const std::string path = std::string(FOVEA_FIXTURES_DIR) + "/progressive_16x16.jpg";
  EXPECT_EQ(io::read_image_gray(path).shape(), (Shape{16, 16}));
}

TEST(Jpeg, CmykFilesDecodeAsAPrinterWouldShowThem) {
  // libjpeg stores CMYK inverted (Adobe's convention): red = c * k with both read from the file.
  Bytes cmyk;
  Bytes rgb;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      const unsigned char c = ramp(x, y), m = 200, ye = static_cast<unsigned char>(255 - ramp(x, y)), k = 230;
      cmyk.insert(cmyk.end(), {c, m, ye, k});
      rgb.insert(rgb.end(), {static_cast<unsigned char>(std::lround(c * k / 255.0)),
                             static_cast<unsigned char>(std::lround(m * k / 255.0)),
                             static_cast<unsigned char>(std::lround(ye * k / 255.0))});
    }
  const Bytes jpeg = encode(cmyk, TJPF_CMYK);
  expect_gray(io::decode_image_gray(jpeg.data(), jpeg.size(), "cmyk.jpg"), luma_of(rgb), 0.03f);
}

}  // namespace
}  // namespace fovea
