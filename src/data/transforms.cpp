#include "fovea/data/transforms.hpp"

#include <algorithm>
#include <cmath>

#include "fovea/error.hpp"

namespace fovea::data::transforms {

// Transforms run per sample on the loader's worker thread, so they are plain loops over raw
// memory into a fresh tensor: no autograd graph, no shared state, and the input stays untouched
// (a dataset may hand out views of its own cache).

Transform ToTensor() {
  return [](const Tensor& image) {
    Tensor out = Tensor::empty(image.shape());
    const float* src = image.data();
    float* dst = out.data();
    const int64_t n = image.numel();
    // Multiplying by 1/255 would differ from torchvision's division in the last bit for some values.
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i] / 255.0f;
    return out;
  };
}

Transform Normalize(std::vector<float> mean, std::vector<float> std) {
  if (mean.empty() || std.empty())
    throw ValueError("Normalize: mean and std need at least one value each, got " + std::to_string(mean.size()) +
                     " and " + std::to_string(std.size()));
  for (size_t c = 0; c < std.size(); ++c)
    if (std[c] == 0.0f || !std::isfinite(std[c]))
      throw ValueError("Normalize: std must be finite and non-zero, got " + std::to_string(std[c]) + " for channel " +
                       std::to_string(c));
  return [mean = std::move(mean), std = std::move(std)](const Tensor& image) {
    // As torchvision: the channel is the third dimension from the end, so C x H x W and
    // N x C x H x W both work.
    if (image.dim() < 3)
      throw ShapeError("Normalize: expected a C x H x W image, got shape " + to_string(image.shape()));
    const int64_t channels = image.size(-3);
    for (const auto* v : {&mean, &std})
      if (v->size() != 1 && static_cast<int64_t>(v->size()) != channels)
        throw ValueError("Normalize: " + std::string(v == &mean ? "mean" : "std") + " has " +
                         std::to_string(v->size()) + " values but the image has " + std::to_string(channels) +
                         " channels (shape " + to_string(image.shape()) + "); give one value or one per channel");
    const int64_t plane = image.size(-1) * image.size(-2);
    const int64_t outer = image.numel() / std::max<int64_t>(plane * channels, 1);
    Tensor out = Tensor::empty(image.shape());
    const float* src = image.data();
    float* dst = out.data();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < channels; ++c) {
        const float m = mean.size() == 1 ? mean[0] : mean[c];
        const float s = std.size() == 1 ? std[0] : std[c];
        const int64_t base = (o * channels + c) * plane;
        // (x - m) / s, as torchvision computes it, rather than a fused multiply by 1/s.
        for (int64_t i = base; i < base + plane; ++i) dst[i] = (src[i] - m) / s;
      }
    return out;
  };
}

Transform Compose(std::vector<Transform> transforms) {
  for (size_t i = 0; i < transforms.size(); ++i)
    if (!transforms[i]) throw ValueError("Compose: transform " + std::to_string(i) + " is empty");
  return [transforms = std::move(transforms)](const Tensor& image) {
    Tensor out = image;
    for (const Transform& t : transforms) out = t(out);
    return out;
  };
}

}  // namespace fovea::data::transforms
