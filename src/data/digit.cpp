#include "fovea/data/digit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "fovea/error.hpp"

namespace fovea::data {
namespace {

constexpr int64_t kCanvas = 28;        // MNIST's field
constexpr int64_t kBox = 20;           // the box the digit is scaled to fit
constexpr double kCentre = 14.0;       // where the centre of mass goes, in pixel-index coordinates
// Ink must stand this far (about 25 of 255 grey levels) above the paper to count: JPEG ringing and
// sensor noise on a blank page stay well below it, a faint pencil stroke stays above.
constexpr float kMinInkContrast = 0.1f;
// After stretching, values below this (5 of 255 levels) are paper noise: left in, one stray speck
// far from the digit would stretch the bounding box and shrink the digit.
constexpr float kNoiseFloor = 0.02f;

// A row-major H x W image of floats: the working copy.
struct Image {
  int64_t height = 0, width = 0;
  std::vector<float> pixels;
  float& at(int64_t y, int64_t x) { return pixels[static_cast<size_t>(y * width + x)]; }
  float at(int64_t y, int64_t x) const { return pixels[static_cast<size_t>(y * width + x)]; }
};

std::vector<float> border_of(const Image& image) {
  std::vector<float> border;
  for (int64_t x = 0; x < image.width; ++x) {
    border.push_back(image.at(0, x));
    if (image.height > 1) border.push_back(image.at(image.height - 1, x));
  }
  for (int64_t y = 1; y + 1 < image.height; ++y) {
    border.push_back(image.at(y, 0));
    if (image.width > 1) border.push_back(image.at(y, image.width - 1));
  }
  return border;
}

float mean_of(const std::vector<float>& values) {
  double sum = 0;
  for (float v : values) sum += v;
  return static_cast<float>(sum / static_cast<double>(values.size()));
}

// The median, not the mean, is the paper level: the digit may touch the border.
float median_of(std::vector<float> values) {
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

std::string format_value(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(v));
  return text;
}

Image checked_copy(const Tensor& gray) {
  if (!gray.defined() || gray.dim() != 2)
    throw ShapeError("prepare_digit: expected a 2-d H x W grayscale image; got shape " +
                     (gray.defined() ? to_string(gray.shape()) : std::string("undefined")));
  Image image{gray.size(0), gray.size(1), gray.to_vector()};
  if (image.pixels.empty()) throw ShapeError("prepare_digit: the image is empty, shape " + to_string(gray.shape()));
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    const float v = image.pixels[i];
    if (!(v >= 0.0f && v <= 1.0f))  // also catches NaN
      throw ValueError("prepare_digit: expected pixel values in [0, 1]; got " + format_value(v) + " at flat index " +
                       std::to_string(i) + (v > 1.0f ? " (a 0..255 image? divide it by 255)" : ""));
  }
  return image;
}

// ---- resampling ----

struct Tap {
  int64_t source;
  float weight;
};

// For each of `out` output pixels along one axis of `in` source pixels, the source pixels it
// draws on and their weights (non-negative, summing to 1, so [0, 1] stays [0, 1]).
// Shrinking averages areas: output pixel j covers source span [j*in/out, (j+1)*in/out) and takes
// each source pixel in proportion to its overlap, as MNIST's anti-aliasing did; no ringing, no
// speck lost between samples. Enlarging interpolates linearly between source pixel centres (an
// area average there would reproduce the source's blocky pixels).
std::vector<std::vector<Tap>> resampling_taps(int64_t in, int64_t out) {
  std::vector<std::vector<Tap>> taps(static_cast<size_t>(out));
  const double step = static_cast<double>(in) / static_cast<double>(out);  // source pixels per output pixel
  for (int64_t j = 0; j < out; ++j) {
    auto& row = taps[static_cast<size_t>(j)];
    if (out <= in) {
      const double begin = static_cast<double>(j) * step, end = begin + step;
      for (auto i = static_cast<int64_t>(begin); i < in && static_cast<double>(i) < end; ++i) {
        const double overlap = std::min(end, static_cast<double>(i + 1)) - std::max(begin, static_cast<double>(i));
        if (overlap > 0) row.push_back({i, static_cast<float>(overlap / step)});
      }
    } else {
      const double centre = std::clamp((static_cast<double>(j) + 0.5) * step - 0.5, 0.0, static_cast<double>(in - 1));
      const auto left = static_cast<int64_t>(centre);
      const double frac = centre - static_cast<double>(left);
      row.push_back({left, static_cast<float>(1.0 - frac)});
      if (frac > 0) row.push_back({left + 1, static_cast<float>(frac)});
    }
  }
  return taps;
}

// Separable: rows first, then columns.
Image resample(const Image& src, int64_t height, int64_t width) {
  const auto column_taps = resampling_taps(src.width, width), row_taps = resampling_taps(src.height, height);
  Image wide{src.height, width, std::vector<float>(static_cast<size_t>(src.height * width))};
  for (int64_t y = 0; y < src.height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      float sum = 0;
      for (const Tap& t : column_taps[static_cast<size_t>(x)]) sum += t.weight * src.at(y, t.source);
      wide.at(y, x) = sum;
    }
  Image out{height, width, std::vector<float>(static_cast<size_t>(height * width))};
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      float sum = 0;
      for (const Tap& t : row_taps[static_cast<size_t>(y)]) sum += t.weight * wide.at(t.source, x);
      out.at(y, x) = std::min(sum, 1.0f);  // weights sum to 1 up to rounding
    }
  return out;
}

// ---- the MNIST steps ----

// The crop of `image` to the bounding box of its non-zero pixels (there is at least one).
Image crop_to_ink(const Image& image) {
  int64_t top = image.height, bottom = -1, left = image.width, right = -1;
  for (int64_t y = 0; y < image.height; ++y)
    for (int64_t x = 0; x < image.width; ++x)
      if (image.at(y, x) > 0) {
        top = std::min(top, y), bottom = std::max(bottom, y);
        left = std::min(left, x), right = std::max(right, x);
      }
  Image crop{bottom - top + 1, right - left + 1, {}};
  for (int64_t y = top; y <= bottom; ++y)
    for (int64_t x = left; x <= right; ++x) crop.pixels.push_back(image.at(y, x));
  return crop;
}

// Pastes `digit` (at most 20 x 20) into a black 28 x 28 canvas with its centre of mass on
// (14, 14), the shift rounded to whole pixels, clamped so that no ink leaves the canvas.
Tensor centre_by_mass(const Image& digit) {
  double mass = 0, moment_y = 0, moment_x = 0;
  for (int64_t y = 0; y < digit.height; ++y)
    for (int64_t x = 0; x < digit.width; ++x) {
      const double v = digit.at(y, x);
      mass += v, moment_y += v * static_cast<double>(y), moment_x += v * static_cast<double>(x);
    }
  auto shift = [&](double centre_of_mass, int64_t extent) {
    const auto rounded = static_cast<int64_t>(std::floor(kCentre - centre_of_mass + 0.5));
    return std::clamp<int64_t>(rounded, 0, kCanvas - extent);
  };
  const int64_t top = shift(moment_y / mass, digit.height), left = shift(moment_x / mass, digit.width);
  Tensor out = zeros({1, kCanvas, kCanvas});
  float* canvas = out.data();
  for (int64_t y = 0; y < digit.height; ++y)
    for (int64_t x = 0; x < digit.width; ++x) canvas[(top + y) * kCanvas + left + x] = digit.at(y, x);
  return out;
}

}  // namespace

Tensor prepare_digit(const Tensor& gray) {
  Image image = checked_copy(gray);
  // Light paper, dark ink (a scan, a drawing) becomes MNIST's white ink on black.
  if (mean_of(border_of(image)) > 0.5f)
    for (float& v : image.pixels) v = 1.0f - v;

  const float paper = median_of(border_of(image));
  const float ink = *std::max_element(image.pixels.begin(), image.pixels.end());
  if (ink - paper < kMinInkContrast)
    throw ValueError("prepare_digit: the " + std::to_string(image.height) + "x" + std::to_string(image.width) +
                     " image is blank: no pixel stands " + format_value(kMinInkContrast) +
                     " above the background level " + format_value(paper) + ", so there is no digit to read");

  if (image.height == kCanvas && image.width == kCanvas)  // MNIST's own size: taken as prepared
    return from_vector(image.pixels, {1, kCanvas, kCanvas});

  for (float& v : image.pixels) {
    v = std::clamp((v - paper) / (ink - paper), 0.0f, 1.0f);
    if (v < kNoiseFloor) v = 0.0f;
  }
  const Image digit = crop_to_ink(image);
  const double scale = static_cast<double>(kBox) / static_cast<double>(std::max(digit.height, digit.width));
  auto scaled_side = [&](int64_t side) {
    return std::clamp<int64_t>(std::llround(static_cast<double>(side) * scale), 1, kBox);
  };
  return centre_by_mass(resample(digit, scaled_side(digit.height), scaled_side(digit.width)));
}

}  // namespace fovea::data
