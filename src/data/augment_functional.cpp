// The deterministic image functions the random transforms are made of (torchvision's
// transforms.functional): plain loops over one C x H x W image into a fresh tensor, run per sample
// on the loader's thread, no autograd graph.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fovea/data/augment.hpp"
#include "data/image_check.hpp"
#include "fovea/error.hpp"

namespace fovea::data::transforms {

namespace detail {

Tensor checked_image(const Tensor& image, const char* function) {
  FOVEA_CHECK(image.defined() && image.dim() == 3, ShapeError, function, ": expected a C x H x W image, got shape ",
              image.defined() ? to_string(image.shape()) : std::string("(undefined)"));
  FOVEA_CHECK(image.dtype() == kFloat32, TypeError, function, ": expected a float32 image, got ",
              to_string(image.dtype()));
  return image.contiguous();
}

}  // namespace detail

using detail::checked_image;

Tensor hflip(const Tensor& image_) {
  const Tensor image = checked_image(image_, "hflip");
  const int64_t rows = image.size(0) * image.size(1), w = image.size(2);
  Tensor out = Tensor::empty(image.shape());
  const float* src = image.data();
  float* dst = out.data();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t x = 0; x < w; ++x) dst[r * w + x] = src[r * w + (w - 1 - x)];
  return out;
}

namespace {

// Bilinear sampling of each output pixel at the input position the inverse matrix `m` maps it to,
// over the image extended by `fill`: the run per sample of RandomAffine, so written for speed. The
// image is copied once into a buffer with a one-pixel border of `fill`, which makes every tap of a
// position inside (-1, w) x (-1, h) a plain read (and any other position all fill); the position
// steps by the matrix's first column along a row. Weights are float, as grid_sample's.
void bilinear_warp(const float* src, float* dst, int64_t channels, int64_t h, int64_t w, const double m[6], double cx,
                   double cy, float fill) {
  const int64_t pw = w + 2, ph = h + 2;
  std::vector<float> padded(static_cast<size_t>(ph * pw));
  for (int64_t ch = 0; ch < channels; ++ch) {
    std::fill(padded.begin(), padded.end(), fill);
    for (int64_t y = 0; y < h; ++y)
      std::copy(src + (ch * h + y) * w, src + (ch * h + y + 1) * w, padded.begin() + (y + 1) * pw + 1);
    float* out = dst + ch * h * w;
    for (int64_t y = 0; y < h; ++y) {
      const double oy = static_cast<double>(y) - cy, ox0 = -cx;
      double ix = m[0] * ox0 + m[1] * oy + m[2] + cx, iy = m[3] * ox0 + m[4] * oy + m[5] + cy;
      for (int64_t x = 0; x < w; ++x, ix += m[0], iy += m[3]) {
        if (!(ix > -1.0 && ix < static_cast<double>(w) && iy > -1.0 && iy < static_cast<double>(h))) {
          out[y * w + x] = fill;
          continue;
        }
        const double fx = std::floor(ix), fy = std::floor(iy);
        const float wx = static_cast<float>(ix - fx), wy = static_cast<float>(iy - fy);
        const float* p = padded.data() + (static_cast<int64_t>(fy) + 1) * pw + static_cast<int64_t>(fx) + 1;
        const float top = p[0] + wx * (p[1] - p[0]), bottom = p[pw] + wx * (p[pw + 1] - p[pw]);
        out[y * w + x] = top + wy * (bottom - top);
      }
    }
  }
}

}  // namespace

Tensor affine(const Tensor& image_, double angle, std::pair<double, double> translate, double scale,
              std::pair<double, double> shear, Interpolation interpolation, float fill) {
  const Tensor image = checked_image(image_, "affine");
  FOVEA_CHECK(scale > 0.0 && std::isfinite(scale), ValueError, "affine: scale must be positive, got ", scale);
  FOVEA_CHECK(std::isfinite(angle) && std::isfinite(translate.first) && std::isfinite(translate.second) &&
                  std::isfinite(shear.first) && std::isfinite(shear.second),
              ValueError, "affine: angle, translate and shear must be finite");
  const int64_t channels = image.size(0), h = image.size(1), w = image.size(2);
  // torchvision's _get_inverse_affine_matrix with the centre at the image's centre: the output
  // pixel's offset from the centre, times this 2 x 3 matrix, is the input pixel's offset.
  const double pi = 3.14159265358979323846;
  const double rot = angle * pi / 180.0, sx = shear.first * pi / 180.0, sy = shear.second * pi / 180.0;
  const double tx = translate.first, ty = translate.second;
  const double a = std::cos(rot - sy) / std::cos(sy);
  const double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  const double c = std::sin(rot - sy) / std::cos(sy);
  const double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  double m[6] = {d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0};
  m[2] += m[0] * -tx + m[1] * -ty;
  m[5] += m[3] * -tx + m[4] * -ty;
  Tensor out = Tensor::empty(image.shape());
  const float* src = image.data();
  float* dst = out.data();
  const int64_t plane = h * w;
  // Output pixel (x, y) has centre offset (x - (w-1)/2, y - (h-1)/2); grid_sample with
  // align_corners=False reads the input at offset + (w-1)/2, as torchvision's affine grid does.
  // Its arithmetic is float; doing it in double moves a coordinate by ~1e-6 px at most.
  const double cx = 0.5 * static_cast<double>(w - 1), cy = 0.5 * static_cast<double>(h - 1);
  if (interpolation == Interpolation::Bilinear) {
    bilinear_warp(src, dst, channels, h, w, m, cx, cy, fill);
    return out;
  }
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const double ox = static_cast<double>(x) - cx, oy = static_cast<double>(y) - cy;
      const double ix = m[0] * ox + m[1] * oy + m[2] + cx, iy = m[3] * ox + m[4] * oy + m[5] + cy;
      // Nearest: grid_sample rounds half to even (nearbyint).
      const int64_t px = static_cast<int64_t>(std::nearbyint(ix)), py = static_cast<int64_t>(std::nearbyint(iy));
      const bool inside = px >= 0 && px < w && py >= 0 && py < h;
      for (int64_t ch = 0; ch < channels; ++ch) dst[ch * plane + y * w + x] = inside ? src[ch * plane + py * w + px] : fill;
    }
  return out;
}

Tensor resize(const Tensor& image_, int64_t h, int64_t w) {
  const Tensor image = checked_image(image_, "resize");
  FOVEA_CHECK(h > 0 && w > 0, ValueError, "resize: the size must be positive, got ", h, " x ", w);
  const int64_t channels = image.size(0), ih = image.size(1), iw = image.size(2);
  FOVEA_CHECK(ih > 0 && iw > 0, ValueError, "resize: the image is empty (", ih, " x ", iw, ")");
  // Source coordinate of output index o: (o + 0.5) * in / out - 0.5, clamped at 0 below (as
  // PyTorch's area_pixel_compute_source_index), the upper neighbour clamped to the last pixel.
  struct Tap {
    int64_t lo, hi;
    float weight_hi;
  };
  auto taps = [](int64_t out, int64_t in) {
    std::vector<Tap> t(static_cast<size_t>(out));
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int64_t o = 0; o < out; ++o) {
      const float src = std::max((static_cast<float>(o) + 0.5f) * scale - 0.5f, 0.0f);
      const auto lo = std::min(static_cast<int64_t>(src), in - 1);
      t[static_cast<size_t>(o)] = {lo, std::min(lo + 1, in - 1), src - static_cast<float>(lo)};
    }
    return t;
  };
  const std::vector<Tap> ys = taps(h, ih), xs = taps(w, iw);
  Tensor out = Tensor::empty({channels, h, w});
  const float* src = image.data();
  float* dst = out.data();
  for (int64_t ch = 0; ch < channels; ++ch) {
    const float* plane = src + ch * ih * iw;
    for (int64_t y = 0; y < h; ++y) {
      const Tap ty = ys[static_cast<size_t>(y)];
      for (int64_t x = 0; x < w; ++x) {
        const Tap tx = xs[static_cast<size_t>(x)];
        const float top = plane[ty.lo * iw + tx.lo] * (1.0f - tx.weight_hi) + plane[ty.lo * iw + tx.hi] * tx.weight_hi;
        const float bottom = plane[ty.hi * iw + tx.lo] * (1.0f - tx.weight_hi) + plane[ty.hi * iw + tx.hi] * tx.weight_hi;
        dst[(ch * h + y) * w + x] = top * (1.0f - ty.weight_hi) + bottom * ty.weight_hi;
      }
    }
  }
  return out;
}

Tensor pad_image(const Tensor& image_, int64_t left, int64_t top, int64_t right, int64_t bottom, float fill) {
  const Tensor image = checked_image(image_, "pad");
  FOVEA_CHECK(left >= 0 && top >= 0 && right >= 0 && bottom >= 0, ValueError,
              "pad: padding must be non-negative, got left ", left, ", top ", top, ", right ", right, ", bottom ",
              bottom);
  const int64_t channels = image.size(0), h = image.size(1), w = image.size(2);
  const int64_t oh = h + top + bottom, ow = w + left + right;
  Tensor out = full({channels, oh, ow}, fill);
  const float* src = image.data();
  float* dst = out.data();
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t y = 0; y < h; ++y)
      std::copy(src + (ch * h + y) * w, src + (ch * h + y + 1) * w, dst + (ch * oh + y + top) * ow + left);
  return out;
}

Tensor crop(const Tensor& image_, int64_t top, int64_t left, int64_t h, int64_t w) {
  const Tensor image = checked_image(image_, "crop");
  const int64_t channels = image.size(0), ih = image.size(1), iw = image.size(2);
  FOVEA_CHECK(h >= 0 && w >= 0 && top >= 0 && left >= 0 && top + h <= ih && left + w <= iw, ValueError,
              "crop: the window at (", top, ", ", left, ") of size ", h, " x ", w, " is not inside the ", ih, " x ",
              iw, " image");
  Tensor out = Tensor::empty({channels, h, w});
  const float* src = image.data();
  float* dst = out.data();
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t y = 0; y < h; ++y)
      std::copy(src + (ch * ih + top + y) * iw + left, src + (ch * ih + top + y) * iw + left + w,
                dst + (ch * h + y) * w);
  return out;
}

Tensor erase(const Tensor& image_, int64_t top, int64_t left, int64_t h, int64_t w, float value) {
  const Tensor image = checked_image(image_, "erase");
  const int64_t channels = image.size(0), ih = image.size(1), iw = image.size(2);
  FOVEA_CHECK(h >= 0 && w >= 0 && top >= 0 && left >= 0 && top + h <= ih && left + w <= iw, ValueError,
              "erase: the rectangle at (", top, ", ", left, ") of size ", h, " x ", w, " is not inside the ", ih,
              " x ", iw, " image");
  Tensor out = image.clone();
  float* dst = out.data();
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t y = top; y < top + h; ++y) std::fill_n(dst + (ch * ih + y) * iw + left, w, value);
  return out;
}

namespace {

// factor * image + (1 - factor) * other, clamped to [0, max_value]: torchvision's _blend.
Tensor blend(const Tensor& image, float other, float factor, float max_value) {
  Tensor out = Tensor::empty(image.shape());
  const float* src = image.data();
  float* dst = out.data();
  for (int64_t i = 0, n = image.numel(); i < n; ++i)
    dst[i] = std::clamp(factor * src[i] + (1.0f - factor) * other, 0.0f, max_value);
  return out;
}

void check_factor(const char* function, float factor, float max_value) {
  FOVEA_CHECK(factor >= 0.0f && std::isfinite(factor), ValueError, function,
              ": the factor must be non-negative, got ", factor);
  FOVEA_CHECK(max_value > 0.0f && std::isfinite(max_value), ValueError, function,
              ": max_value must be positive (255 for raw pixels, 1 after ToTensor), got ", max_value);
}

}  // namespace

Tensor adjust_brightness(const Tensor& image_, float factor, float max_value) {
  const Tensor image = checked_image(image_, "adjust_brightness");
  check_factor("adjust_brightness", factor, max_value);
  return blend(image, 0.0f, factor, max_value);
}

Tensor adjust_contrast(const Tensor& image_, float factor, float max_value) {
  const Tensor image = checked_image(image_, "adjust_contrast");
  check_factor("adjust_contrast", factor, max_value);
  const int64_t channels = image.size(0), plane = image.size(1) * image.size(2);
  FOVEA_CHECK(channels == 1 || channels == 3, ValueError, "adjust_contrast: expected 1 or 3 channels, got ", channels);
  // The mean of the grayscale image: ITU-R 601-2 luma weights for RGB, as torchvision.
  const float* src = image.data();
  double total = 0.0;
  for (int64_t i = 0; i < plane; ++i)
    total += channels == 1 ? src[i] : 0.2989f * src[i] + 0.587f * src[plane + i] + 0.114f * src[2 * plane + i];
  const float mean = plane > 0 ? static_cast<float>(total / static_cast<double>(plane)) : 0.0f;
  return blend(image, mean, factor, max_value);
}

}  // namespace fovea::data::transforms
