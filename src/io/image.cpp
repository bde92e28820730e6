#include "fovea/io/image.hpp"

// PNG and BMP go through stb_image, whose implementation is compiled into Debian's libstb
// (libstb-dev), so only its declarations are included here: defining STB_IMAGE_IMPLEMENTATION would
// give a second copy. JPEG goes through libjpeg-turbo (decode_jpeg says why).
#include <stb_image.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include "fovea/error.hpp"
#include "png_guards.hpp"

namespace fovea::io {
namespace {

constexpr const char* kAcceptedFormats = "PNG, JPEG, BMP or PGM/PPM (P2, P3, P5, P6)";

enum class Format { PNG, JPEG, BMP, Netpbm };

const char* format_name(Format format) {
  switch (format) {
    case Format::PNG: return "PNG";
    case Format::JPEG: return "JPEG";
    case Format::BMP: return "BMP";
    case Format::Netpbm: return "PGM/PPM";
  }
  return "image";
}

// Control bytes are written as \xNN: a file name may hold a newline, and stb_image's reasons may
// quote bytes from the file ("<chunk type> PNG chunk not known"), so the message stays one line.
std::string one_line(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c != 0x7F) {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

[[noreturn]] void refuse(const std::string& name, const std::string& what) { throw IOError(one_line(name + ": " + what)); }

// The format is decided here from the magic bytes, never left to stb_image's guessing: stb also
// reads TGA, which has no magic number, so almost any bytes (a text file, a damaged PNG) could
// otherwise come back as a TGA picture of noise. None of these magics passes stb's TGA test.
std::optional<Format> sniff_format(const unsigned char* data, size_t size) {
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 8 && std::memcmp(data, png, 8) == 0) return Format::PNG;
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return Format::JPEG;
  if (size >= 2 && data[0] == 'B' && data[1] == 'M') return Format::BMP;
  if (size >= 2 && data[0] == 'P' && (data[1] == '2' || data[1] == '3' || data[1] == '5' || data[1] == '6'))
    return Format::Netpbm;
  return std::nullopt;
}

std::string first_bytes_hex(const unsigned char* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(size, 4); ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, "%s%02x", i ? " " : "", data[i]);
    out += byte;
  }
  return out;
}

void check_limits_are_consistent(const ImageLimits& limits) {
  if (limits.min_side < 1 || limits.max_side < limits.min_side || limits.max_pixels < 1 ||
      limits.max_file_bytes < 1)
    throw ValueError("ImageLimits: expected 1 <= min_side <= max_side, max_pixels >= 1 and max_file_bytes >= 1; got min_side " +
                     std::to_string(limits.min_side) + ", max_side " + std::to_string(limits.max_side) +
                     ", max_pixels " + std::to_string(limits.max_pixels) + ", max_file_bytes " +
                     std::to_string(limits.max_file_bytes));
}

// Called with the dimensions from the file's header, before any pixel memory exists.
void check_dimensions(const std::string& name, Format format, int64_t width, int64_t height,
                      const ImageLimits& limits) {
  const std::string dims = std::to_string(width) + "x" + std::to_string(height);
  if (width < 1 || height < 1) refuse(name, std::string("corrupt ") + format_name(format) + ": header gives size " + dims);
  if (width > limits.max_side || height > limits.max_side)
    refuse(name, "image is " + dims + " pixels, too large: the limit is " + std::to_string(limits.max_side) +
                     " pixels per side (ImageLimits::max_side)");
  if (width * height > limits.max_pixels)  // both <= max_side here, so no overflow
    refuse(name, "image is " + dims + " = " + std::to_string(width * height) + " pixels, too large: the limit is " +
                     std::to_string(limits.max_pixels) + " pixels (ImageLimits::max_pixels)");
  if (width < limits.min_side || height < limits.min_side)
    refuse(name, "image is " + dims + " pixels, too small to hold a digit: each side must be at least " +
                     std::to_string(limits.min_side) + " pixels (ImageLimits::min_side)");
}

// Fills an H x W tensor of luminance (Gray) or a 3 x H x W one (RGB) from interleaved samples,
// `next_sample()` returning each sample in [0, 1] in file order (so a text parser can feed it
// without an intermediate buffer). Alpha is composited over white in both.
template <class NextSample>
Tensor to_pixels(int64_t width, int64_t height, int channels, ColorMode mode, NextSample next_sample) {
  const int64_t plane = width * height;
  Tensor out = mode == ColorMode::Gray ? Tensor::empty({height, width}) : Tensor::empty({3, height, width});
  float* dst = out.data();
  for (int64_t i = 0; i < plane; ++i) {
    float rgb[3];
    if (channels <= 2) {
      rgb[0] = rgb[1] = rgb[2] = next_sample();
    } else {
      for (float& v : rgb) v = next_sample();
    }
    if (channels == 2 || channels == 4) {
      const float alpha = next_sample();
      for (float& v : rgb) v = alpha * v + (1.0f - alpha);  // over white paper
    }
    if (mode == ColorMode::RGB) {
      for (int c = 0; c < 3; ++c) dst[c * plane + i] = std::clamp(rgb[c], 0.0f, 1.0f);
    } else {
      const float luma = channels <= 2 ? rgb[0] : 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];  // BT.601
      dst[i] = std::clamp(luma, 0.0f, 1.0f);  // the luma weights sum to 1 only up to rounding
    }
  }
  return out;
}

// ---- netpbm (https://netpbm.sourceforge.net/doc/pgm.html, ppm.html) ----

class NetpbmReader {
 public:
  NetpbmReader(const unsigned char* data, size_t size, const std::string& name)
      : data_(data), size_(size), name_(name) {}

  Tensor decode(const ImageLimits& limits, ColorMode mode) {
    const char kind = static_cast<char>(data_[1]);
    const bool ascii = kind == '2' || kind == '3';
    const int channels = (kind == '3' || kind == '6') ? 3 : 1;
    pos_ = 2;
    const int64_t width = header_number("width"), height = header_number("height");
    const int64_t maxval = header_number("maxval");
    if (maxval < 1 || maxval > 65535)
      corrupt("maxval " + std::to_string(maxval) + " before byte " + std::to_string(pos_) + ", expected 1..65535");
    check_dimensions(name_, Format::Netpbm, width, height, limits);
    const int64_t samples = width * height * channels;
    if (!ascii) {
      // Exactly one whitespace byte separates maxval from the raster; 16-bit samples are big-endian.
      if (pos_ >= size_ || !is_space(data_[pos_])) corrupt("expected one whitespace byte after maxval at byte " + std::to_string(pos_));
      ++pos_;
      const int64_t bytes_per_sample = maxval > 255 ? 2 : 1;
      const int64_t need = samples * bytes_per_sample, have = static_cast<int64_t>(size_ - pos_);
      if (have < need)
        refuse(name_, "truncated PGM/PPM: expected " + std::to_string(need) + " bytes of pixels after byte " +
                          std::to_string(pos_) + ", found " + std::to_string(have));
      return to_pixels(width, height, channels, mode, [&] {
        int64_t value = data_[pos_++];
        if (bytes_per_sample == 2) value = (value << 8) | data_[pos_++];
        return checked_sample(value, maxval);
      });
    }
    // Every ASCII sample takes at least one digit and one separator: refuse a short file before
    // allocating for the pixels its header promises.
    if (static_cast<int64_t>(size_ - pos_) < 2 * samples - 1)
      refuse(name_, "truncated PGM/PPM: " + std::to_string(samples) + " samples promised, only " +
                        std::to_string(size_ - pos_) + " bytes after byte " + std::to_string(pos_));
    return to_pixels(width, height, channels, mode, [&] {
      return checked_sample(number("a pixel value"), maxval);
    });
  }

 private:
  static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

  [[noreturn]] void corrupt(const std::string& what) const { refuse(name_, "corrupt PGM/PPM: " + what); }

  float checked_sample(int64_t value, int64_t maxval) const {
    if (value > maxval)
      corrupt("pixel value " + std::to_string(value) + " before byte " + std::to_string(pos_) + " exceeds maxval " +
              std::to_string(maxval));
    return static_cast<float>(value) / static_cast<float>(maxval);
  }

  // Header numbers are separated by whitespace and comments ('#' to the end of the line).
  int64_t header_number(const char* what) {
    for (;;) {
      while (pos_ < size_ && is_space(data_[pos_])) ++pos_;
      if (pos_ >= size_ || data_[pos_] != '#') break;
      while (pos_ < size_ && data_[pos_] != '\n' && data_[pos_] != '\r') ++pos_;
    }
    return number(what);
  }

  int64_t number(const char* what) {
    while (pos_ < size_ && is_space(data_[pos_])) ++pos_;
    if (pos_ >= size_) refuse(name_, std::string("truncated PGM/PPM: expected ") + what + " at byte " + std::to_string(pos_));
    const size_t start = pos_;
    int64_t value = 0;
    while (pos_ < size_ && data_[pos_] >= '0' && data_[pos_] <= '9') {
      if (pos_ - start >= 9) corrupt(std::string(what) + " at byte " + std::to_string(start) + " has more than 9 digits");
      value = value * 10 + (data_[pos_++] - '0');
    }
    if (pos_ == start) corrupt(std::string("expected ") + what + " (a decimal number) at byte " + std::to_string(start));
    return value;
  }

  const unsigned char* data_;
  size_t size_;
  const std::string& name_;
  size_t pos_ = 0;
};

// ---- JPEG through libjpeg-turbo ----

// JPEG is not left to stb_image: fuzz/image_fuzz.cpp found four defects in stb 2.27's JPEG reader
// (a heap overflow on an oversized Huffman table, reads past a table no DHT defined, undefined
// shifts once a marker cuts a scan short), and each guard in front of it only moved the fuzzer on
// to the next. libjpeg-turbo is the reference decoder, fuzzed continuously upstream (OSS-Fuzz).
// TJFLAG_STOPONWARNING makes its warnings errors, so a truncated or damaged scan is refused rather
// than returned half grey; TJFLAG_LIMITSCANS refuses a progressive file of over 500 scans, which
// would otherwise cost minutes of CPU for a few bytes.
Tensor decode_jpeg(const unsigned char* data, size_t size, const std::string& name, const ImageLimits& limits,
                   ColorMode mode) {
  std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), tjDestroy);
  if (!handle) throw IOError(name + ": cannot start the JPEG decoder (" + tjGetErrorStr2(nullptr) + ")");
  const auto corrupt = [&](const char* stage) {
    refuse(name, std::string("corrupt or truncated JPEG") + stage + " (libjpeg-turbo: " + tjGetErrorStr2(handle.get()) + ")");
  };
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), data, size, &width, &height, &subsampling, &colorspace) != 0) corrupt(" header");
  check_dimensions(name, Format::JPEG, width, height, limits);

  // Four-channel JPEGs come back as the CMYK libjpeg stores (Adobe's inverted convention), which
  // is turned into RGB as a printer's proof would: r = c * k, with every value in [0, 1].
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const int channels = colorspace == TJCS_GRAY ? 1 : cmyk ? 4 : 3;
  const int pixel_format = colorspace == TJCS_GRAY ? TJPF_GRAY : cmyk ? TJPF_CMYK : TJPF_RGB;
  std::vector<unsigned char> pixels(static_cast<size_t>(width) * static_cast<size_t>(height) * channels);
  if (tjDecompress2(handle.get(), data, size, pixels.data(), width, 0, height, pixel_format,
                    TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS | TJFLAG_ACCURATEDCT) != 0)
    corrupt("");
  const unsigned char* p = pixels.data();
  if (!cmyk) return to_pixels(width, height, channels, mode, [&] { return static_cast<float>(*p++) / 255.0f; });
  int component = 0;
  float rgb[3] = {};
  return to_pixels(width, height, 3, mode, [&] {
    if (component == 0) {
      const float k = p[3] / 255.0f;
      for (int c = 0; c < 3; ++c) rgb[c] = p[c] / 255.0f * k;
      p += 4;
    }
    const float value = rgb[component];
    component = (component + 1) % 3;
    return value;
  });
}

// ---- PNG and BMP through stb_image ----

// stb_image reads past the end of a short BMP as zeros and returns a partly blank picture without
// complaint; the file header's size turns that into "truncated".
void check_bmp_not_truncated(const unsigned char* data, size_t size, const std::string& name) {
  if (size < 6) return;
  // The file header's bfSize (little-endian, bytes 2..5); some writers leave it 0.
  const uint32_t declared = data[2] | data[3] << 8 | data[4] << 16 | static_cast<uint32_t>(data[5]) << 24;
  if (declared > size)
    refuse(name, "truncated BMP: the header declares " + std::to_string(declared) + " bytes, the file has " + std::to_string(size));
}

Tensor decode_with_stb(const unsigned char* data, size_t size, Format format, const std::string& name,
                       const ImageLimits& limits, ColorMode mode) {
  const std::string corrupt = std::string("corrupt or truncated ") + format_name(format);
  // Before stb_image sees the bytes (png_guards.hpp): its PNG reader allocates what a chunk
  // declares before reading it, and calls memcpy on a null pointer for an empty first IDAT chunk.
  std::vector<unsigned char> mended;
  if (format == Format::PNG) {
    const std::string past_the_end = detail::png_chunk_past_the_end(data, size);
    if (!past_the_end.empty()) refuse(name, "truncated PNG: " + past_the_end);
    if (detail::drop_empty_png_data_chunks(data, size, mended)) {
      data = mended.data();
      size = mended.size();
    }
  }
  const int len = static_cast<int>(size);  // size <= max_file_bytes, checked against INT_MAX by the caller
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(data, len, &width, &height, &channels))
    refuse(name, corrupt + " header (stb_image: " + stbi_failure_reason() + ")");
  check_dimensions(name, format, width, height, limits);
  if (format == Format::BMP) check_bmp_not_truncated(data, size, name);

  // 16-bit PNGs are read at full depth: a faint pencil stroke may live in the low byte.
  const bool sixteen_bit = stbi_is_16_bit_from_memory(data, len);
  std::unique_ptr<void, void (*)(void*)> pixels(
      sixteen_bit ? static_cast<void*>(stbi_load_16_from_memory(data, len, &width, &height, &channels, 0))
                  : static_cast<void*>(stbi_load_from_memory(data, len, &width, &height, &channels, 0)),
      stbi_image_free);
  if (!pixels) refuse(name, corrupt + " (stb_image: " + stbi_failure_reason() + ")");
  if (sixteen_bit) {
    const uint16_t* p = static_cast<const uint16_t*>(pixels.get());
    return to_pixels(width, height, channels, mode, [&] { return static_cast<float>(*p++) / 65535.0f; });
  }
  const unsigned char* p = static_cast<const unsigned char*>(pixels.get());
  return to_pixels(width, height, channels, mode, [&] { return static_cast<float>(*p++) / 255.0f; });
}

std::string file_size_limit(const ImageLimits& limits) {
  return std::to_string(limits.max_file_bytes) + " bytes (ImageLimits::max_file_bytes)";
}

}  // namespace

Tensor decode_image(const unsigned char* data, size_t size, const std::string& name, ColorMode mode,
                    const ImageLimits& limits) {
  check_limits_are_consistent(limits);
  if (size == 0) refuse(name, std::string("empty file: expected a ") + kAcceptedFormats + " image");
  if (data == nullptr) throw ValueError("decode_image(" + name + "): data is null but size is " + std::to_string(size));
  if (size > static_cast<uint64_t>(limits.max_file_bytes) || size > static_cast<size_t>(INT32_MAX))
    refuse(name, "file of " + std::to_string(size) + " bytes is too large: the limit is " + file_size_limit(limits));
  const std::optional<Format> format = sniff_format(data, size);
  if (!format)
    refuse(name, "not an image (starts with bytes " + first_bytes_hex(data, size) + "): expected " + kAcceptedFormats);
  if (*format == Format::Netpbm) return NetpbmReader(data, size, name).decode(limits, mode);
  if (*format == Format::JPEG) return decode_jpeg(data, size, name, limits, mode);
  return decode_with_stb(data, size, *format, name, limits, mode);
}

Tensor decode_image_gray(const unsigned char* data, size_t size, const std::string& name, const ImageLimits& limits) {
  return decode_image(data, size, name, ColorMode::Gray, limits);
}

Tensor read_image(const std::string& path, ColorMode mode, const ImageLimits& limits) {
  check_limits_are_consistent(limits);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) refuse(path, "no such file: expected an image file");
  if (!std::filesystem::is_regular_file(status)) refuse(path, "not a regular file: expected an image file");
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, std::string("cannot be opened for reading (") + std::strerror(errno) + ")");
  // Bounded: the size is checked before anything is read, and the read stops at the limit in case
  // the file grows meanwhile.
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) refuse(path, "cannot tell its size (" + ec.message() + ")");
  if (size > static_cast<uintmax_t>(limits.max_file_bytes))
    refuse(path, "file of " + std::to_string(size) + " bytes is too large: the limit is " + file_size_limit(limits));
  std::vector<unsigned char> bytes(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size)
    refuse(path, "read " + std::to_string(in.gcount()) + " of its " + std::to_string(size) + " bytes (" + std::strerror(errno) + ")");
  return decode_image(bytes.data(), bytes.size(), path, mode, limits);
}

Tensor read_image_gray(const std::string& path, const ImageLimits& limits) {
  return read_image(path, ColorMode::Gray, limits);
}

}  // namespace fovea::io
