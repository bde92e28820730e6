// An image file as `fovea predict` reads one: io::decode_image_gray (the in-memory twin of
// read_image_gray) then data::prepare_digit. The limits are smaller than the defaults (4 Mpixel
// rather than 50): a 365-byte JPEG may rightly declare 3584 x 8208 pixels, which the release build
// decodes and refuses as blank in 0.6 s but this instrumented one takes over 10 s for, libFuzzer's
// timeout. The same code runs either way; only the pixel count differs. The decoder refuses
// with IOError; prepare_digit with ValueError (a blank image). An accepted image is 2-d within the
// limits with values in [0, 1], and the digit 1 x 28 x 28 in [0, 1].
#include <cstddef>
#include <cstdint>

#include "fovea/data/digit.hpp"
#include "fovea/error.hpp"
#include "fovea/io/image.hpp"
#include "fuzz_support.hpp"

namespace {

void check_unit_range(const fovea::Tensor& t) {
  const float* v = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) FOVEA_FUZZ_CHECK(v[i] >= 0.0f && v[i] <= 1.0f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fovea::io::ImageLimits limits;
  limits.max_side = 4096;
  limits.max_pixels = 4'000'000;
  fovea::Tensor gray;
  try {
    gray = fovea::io::decode_image_gray(data, size, "input", limits);
  } catch (const fovea::IOError&) {
    return 0;
  }
  FOVEA_FUZZ_CHECK(gray.dim() == 2);
  FOVEA_FUZZ_CHECK(gray.size(0) >= limits.min_side && gray.size(1) >= limits.min_side);
  FOVEA_FUZZ_CHECK(gray.size(0) <= limits.max_side && gray.size(1) <= limits.max_side);
  FOVEA_FUZZ_CHECK(gray.numel() <= limits.max_pixels);
  check_unit_range(gray);
  try {
    const fovea::Tensor digit = fovea::data::prepare_digit(gray);
    FOVEA_FUZZ_CHECK(digit.dim() == 3 && digit.size(0) == 1 && digit.size(1) == 28 && digit.size(2) == 28);
    check_unit_range(digit);
  } catch (const fovea::ValueError&) {  // a blank image: nothing stands out from the background
  }
  return 0;
}
