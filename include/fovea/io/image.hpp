#pragma once
// Image files in, as the grayscale tensors `fovea predict` reads digits from.
//
// Accepted: PNG (any colour type, 8 or 16 bits, palette, alpha), baseline and progressive JPEG,
// BMP, and netpbm PGM/PPM in binary (P5, P6) and ASCII (P2, P3) form with any maxval. PNG, JPEG
// and BMP are decoded by stb_image; netpbm by fovea itself, because stb_image reads only the binary
// forms and ignores maxval (a P5 with maxval 15 would come out 17 times too dark).
//
// Every refusal is one IOError line that names the file and says what was expected. Hostile input
// is expected (the decoder is a fuzzing target): the file size and the dimensions in the header are
// checked against ImageLimits before any pixel memory is allocated.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fovea/tensor.hpp"

namespace fovea::io {

struct ImageLimits {
  int64_t min_side = 8;             // smaller has no digit to read: refused
  int64_t max_side = 16384;         // per side
  int64_t max_pixels = 50'000'000;  // width*height; checked from the header BEFORE decoding, so a
                                    // 20000x20000 file is refused without allocating
  // Files are read whole into memory: 256 MiB holds any PNG/JPEG/BMP within max_pixels and an
  // 8-bit binary PPM of 50 MP (150 MB); only 16-bit or ASCII netpbm files that size are refused.
  int64_t max_file_bytes = int64_t{256} << 20;
};

enum class ColorMode {
  Gray,  // H x W luminance (below)
  RGB,   // 3 x H x W: red, green, blue planes; a gray file's value in all three
};

// Decodes a PNG, JPEG, BMP or PGM/PPM (binary and ASCII) file of any colour type to a 2-d H x W
// tensor of luminance in [0, 1]: ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, on the stored,
// gamma-encoded values) for colour; alpha composited onto white, so a transparent background
// reads as paper.
// Throws fovea::IOError with one line naming the file and what was expected: missing/unreadable,
// not an image (listing the accepted formats), truncated/corrupt, too small, too large (giving the
// limit); fovea::ValueError when `limits` itself is inconsistent.
Tensor read_image_gray(const std::string& path, const ImageLimits& limits = {});

// The same from bytes in memory (`name` is used in messages): the entry point a fuzzer calls.
// `data` may be null when `size` is 0.
Tensor decode_image_gray(const unsigned char* data, size_t size, const std::string& name,
                         const ImageLimits& limits = {});

// Either form, in [0, 1], with alpha over white: an RGB image is 3 x H x W (ImageFolder reads
// colour pictures this way).
Tensor read_image(const std::string& path, ColorMode mode, const ImageLimits& limits = {});
Tensor decode_image(const unsigned char* data, size_t size, const std::string& name, ColorMode mode,
                    const ImageLimits& limits = {});

}  // namespace fovea::io
