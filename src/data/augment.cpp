// torchvision's random transforms, drawing their parameters from sample_generator() in
// torchvision's order, then calling the functions of augment_functional.cpp.
#include <algorithm>
#include <cmath>

#include "fovea/data/augment.hpp"
#include "data/image_check.hpp"
#include "fovea/error.hpp"

namespace fovea::data {

namespace {
thread_local SampleSeed* current_sample = nullptr;
}  // namespace

SampleSeed::SampleSeed(uint64_t seed) : seed_(seed), previous_(current_sample) { current_sample = this; }
SampleSeed::~SampleSeed() { current_sample = previous_; }

Generator& SampleSeed::generator() {
  if (!generator_) generator_.emplace(seed_);
  return *generator_;
}

Generator& sample_generator() { return current_sample ? current_sample->generator() : default_generator(); }

}  // namespace fovea::data

namespace fovea::data::transforms {

namespace {

double uniform(double low, double high) {
  // 53 random bits: the ranges here are doubles (degrees, scales), as torch's uniform_ in double.
  const double u = static_cast<double>(sample_generator().next_u64() >> 11) * 0x1.0p-53;
  return low + (high - low) * u;
}

// An integer in [low, high), as torch.randint(low, high).
int64_t randint(int64_t low, int64_t high) {
  return low + static_cast<int64_t>(sample_generator().below(static_cast<uint64_t>(high - low)));
}

void check_range(const char* transform, const char* name, std::pair<double, double> r, double min, double max) {
  FOVEA_CHECK(std::isfinite(r.first) && std::isfinite(r.second) && r.first <= r.second && r.first >= min &&
                  r.second <= max,
              ValueError, transform, ": ", name, " must be a range (low <= high) within [", min, ", ", max, "], got (",
              r.first, ", ", r.second, ")");
}

void check_probability(const char* transform, double p) {
  FOVEA_CHECK(p >= 0.0 && p <= 1.0, ValueError, transform, ": p must be in [0, 1], got ", p);
}

}  // namespace

Transform Resize(std::pair<int64_t, int64_t> size) {
  FOVEA_CHECK(size.first > 0 && size.second > 0, ValueError, "Resize: size must be positive, got (", size.first, ", ",
              size.second, ")");
  return [size](const Tensor& image) { return resize(image, size.first, size.second); };
}

Transform RandomHorizontalFlip(double p) {
  check_probability("RandomHorizontalFlip", p);
  return [p](const Tensor& image) { return uniform(0.0, 1.0) < p ? hflip(image) : image; };
}

Transform RandomCrop(std::pair<int64_t, int64_t> size, RandomCropOptions options) {
  // Plain copies, not a structured binding: the lambda captures them (clang 14 cannot).
  const int64_t th = size.first, tw = size.second;
  FOVEA_CHECK(th > 0 && tw > 0, ValueError, "RandomCrop: size must be positive, got (", th, ", ", tw, ")");
  FOVEA_CHECK(options.padding >= 0, ValueError, "RandomCrop: padding must be non-negative, got ", options.padding);
  return [th, tw, options](const Tensor& input) {
    Tensor image = detail::checked_image(input, "RandomCrop");
    const int64_t p = options.padding;
    if (p > 0) image = pad_image(image, p, p, p, p, options.fill);
    // As torchvision: a side shorter than the crop is padded by the difference on both ends.
    if (options.pad_if_needed && image.size(2) < tw) {
      const int64_t d = tw - image.size(2);
      image = pad_image(image, d, 0, d, 0, options.fill);
    }
    if (options.pad_if_needed && image.size(1) < th) {
      const int64_t d = th - image.size(1);
      image = pad_image(image, 0, d, 0, d, options.fill);
    }
    const int64_t h = image.size(1), w = image.size(2);
    FOVEA_CHECK(h >= th && w >= tw, ValueError, "RandomCrop: the crop size (", th, ", ", tw,
                ") is larger than the (padded) image size (", h, ", ", w, ")");
    if (h == th && w == tw) return image;
    const int64_t top = randint(0, h - th + 1), left = randint(0, w - tw + 1);
    return crop(image, top, left, th, tw);
  };
}

Transform RandomAffine(RandomAffineOptions o) {
  check_range("RandomAffine", "degrees", o.degrees, -360.0, 360.0);
  check_range("RandomAffine", "translate", {0.0, o.translate.first}, 0.0, 1.0);
  check_range("RandomAffine", "translate", {0.0, o.translate.second}, 0.0, 1.0);
  check_range("RandomAffine", "scale", o.scale, 1e-12, 1e12);
  check_range("RandomAffine", "shear", o.shear_x, -180.0, 180.0);
  check_range("RandomAffine", "shear", o.shear_y, -180.0, 180.0);
  return [o](const Tensor& image) {
    detail::checked_image(image, "RandomAffine");
    // torchvision's RandomAffine.get_params, in its order; a parameter not asked for is not drawn.
    const double angle = uniform(o.degrees.first, o.degrees.second);
    double tx = 0.0, ty = 0.0;
    if (o.translate.first > 0.0 || o.translate.second > 0.0) {
      const double max_dx = o.translate.first * static_cast<double>(image.size(2));
      const double max_dy = o.translate.second * static_cast<double>(image.size(1));
      tx = std::nearbyint(uniform(-max_dx, max_dx));  // Python's round(): half to even
      ty = std::nearbyint(uniform(-max_dy, max_dy));
    }
    const double scale = o.scale.first != 1.0 || o.scale.second != 1.0 ? uniform(o.scale.first, o.scale.second) : 1.0;
    double shear_x = 0.0, shear_y = 0.0;
    if (o.shear_x.first != 0.0 || o.shear_x.second != 0.0) shear_x = uniform(o.shear_x.first, o.shear_x.second);
    if (o.shear_y_set) shear_y = uniform(o.shear_y.first, o.shear_y.second);
    return affine(image, angle, {tx, ty}, scale, {shear_x, shear_y}, o.interpolation, o.fill);
  };
}

Transform RandomErasing(RandomErasingOptions o) {
  check_probability("RandomErasing", o.p);
  check_range("RandomErasing", "scale", o.scale, 0.0, 1.0);
  check_range("RandomErasing", "ratio", o.ratio, 1e-12, 1e12);
  return [o](const Tensor& image) {
    detail::checked_image(image, "RandomErasing");
    if (!(uniform(0.0, 1.0) < o.p)) return image;
    // torchvision's RandomErasing.get_params: up to 10 tries at a rectangle that fits.
    const int64_t ih = image.size(1), iw = image.size(2);
    const double area = static_cast<double>(ih * iw);
    const double log_low = std::log(o.ratio.first), log_high = std::log(o.ratio.second);
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double erase_area = area * uniform(o.scale.first, o.scale.second);
      const double aspect = std::exp(uniform(log_low, log_high));
      const auto h = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area * aspect)));
      const auto w = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area / aspect)));
      if (!(h < ih && w < iw)) continue;
      const int64_t top = randint(0, ih - h + 1), left = randint(0, iw - w + 1);
      return erase(image, top, left, h, w, o.value);
    }
    return image;
  };
}

Transform ColorJitter(double brightness, double contrast, float max_value) {
  FOVEA_CHECK(brightness >= 0.0 && std::isfinite(brightness), ValueError,
              "ColorJitter: brightness must be non-negative, got ", brightness);
  FOVEA_CHECK(contrast >= 0.0 && std::isfinite(contrast), ValueError,
              "ColorJitter: contrast must be non-negative, got ", contrast);
  FOVEA_CHECK(max_value > 0.0f && std::isfinite(max_value), ValueError,
              "ColorJitter: max_value must be positive (255 for raw pixels, 1 after ToTensor), got ", max_value);
  return [=](const Tensor& image) {
    // The order first, then the factors, as torchvision's get_params (randperm, then uniforms).
    const bool contrast_first = uniform(0.0, 1.0) < 0.5;
    const double b = brightness > 0.0 ? uniform(std::max(0.0, 1.0 - brightness), 1.0 + brightness) : 1.0;
    const double c = contrast > 0.0 ? uniform(std::max(0.0, 1.0 - contrast), 1.0 + contrast) : 1.0;
    Tensor out = image;
    for (int step = 0; step < 2; ++step) {
      const bool do_contrast = (step == 0) == contrast_first;
      if (do_contrast && contrast > 0.0) out = adjust_contrast(out, static_cast<float>(c), max_value);
      if (!do_contrast && brightness > 0.0) out = adjust_brightness(out, static_cast<float>(b), max_value);
    }
    return out;
  };
}

}  // namespace fovea::data::transforms
