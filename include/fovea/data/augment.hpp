#pragma once
// Data augmentation: torchvision's random transforms over fovea's C x H x W float images, and the
// deterministic functions they are made of (torchvision.transforms.functional).
//
// Where the randomness comes from. A random transform draws from sample_generator(): inside a
// DataLoader pass that is a generator seeded for the one sample being assembled, from the
// loader's own state at the start of the pass and the sample's position in it. So a run's
// augmentations depend only on its seed: not on which thread assembled a batch, how far ahead
// the loader ran, or whether the run was resumed from a checkpoint in the middle of an epoch.
// Outside a loader (a transform called by hand) it is the global default_generator(), as
// torchvision draws from torch's global generator.
//
// Pixel range. fovea's image datasets hand out the raw 0..255 values (ToTensor scales them), and
// these transforms work on either form; ColorJitter alone needs to know the range to clamp to,
// and takes it as `max_value` (255 before ToTensor, 1 after). torchvision rounds a uint8 image
// back to integers after each step; fovea keeps the float values.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "fovea/data/transforms.hpp"
#include "fovea/random.hpp"

namespace fovea::data {

// The generator random transforms draw from on this thread (see above).
Generator& sample_generator();

// While alive, sample_generator() on this thread is a generator seeded with `seed`; the one
// before comes back when it ends. The DataLoader opens one per sample; a hand-written loop over
// a dataset can do the same to make its augmentations reproducible.
// The generator is seeded only when a transform first draws from it: a loader without random
// transforms pays nothing per sample.
class SampleSeed {
 public:
  explicit SampleSeed(uint64_t seed);
  ~SampleSeed();
  SampleSeed(const SampleSeed&) = delete;
  SampleSeed& operator=(const SampleSeed&) = delete;
  Generator& generator();

 private:
  uint64_t seed_;
  std::optional<Generator> generator_;
  SampleSeed* previous_;
};

}  // namespace fovea::data

namespace fovea::data::transforms {

enum class Interpolation { Nearest, Bilinear };

// ---- deterministic functions (torchvision.transforms.functional) ----

// Mirror image along the width.
Tensor hflip(const Tensor& image);
// Rotation by `angle` degrees (counter-clockwise), then translation by `translate` pixels
// (x right, y down), scale and shear (degrees, x then y) about the image centre: torchvision's
// F.affine, the same inverse matrix and sampling grid (grid_sample, align_corners=False).
// Pixels that map outside the image take `fill`.
Tensor affine(const Tensor& image, double angle, std::pair<double, double> translate, double scale,
              std::pair<double, double> shear, Interpolation interpolation = Interpolation::Nearest,
              float fill = 0.0f);
// Bilinear resize to h x w, as F.interpolate(mode="bilinear", align_corners=False) without
// antialiasing (torchvision 0.14's Resize on tensors): each output pixel centre maps back to the
// input, edges clamped.
Tensor resize(const Tensor& image, int64_t h, int64_t w);
// The image padded by `left, top, right, bottom` pixels of `fill`.
Tensor pad_image(const Tensor& image, int64_t left, int64_t top, int64_t right, int64_t bottom, float fill = 0.0f);
// The window of height h and width w whose top-left pixel is (top, left).
Tensor crop(const Tensor& image, int64_t top, int64_t left, int64_t h, int64_t w);
// The rectangle of height h and width w at (top, left) set to `value` in every channel.
Tensor erase(const Tensor& image, int64_t top, int64_t left, int64_t h, int64_t w, float value);
// image * factor, clamped to [0, max_value].
Tensor adjust_brightness(const Tensor& image, float factor, float max_value);
// Blend with the mean of the image's grayscale (ITU-R 601-2 luma for 3 channels), clamped.
Tensor adjust_contrast(const Tensor& image, float factor, float max_value);

// ---- transforms (torchvision.transforms); the random ones draw from sample_generator() ----

Transform Resize(std::pair<int64_t, int64_t> size);

Transform RandomHorizontalFlip(double p = 0.5);

struct RandomCropOptions {
  int64_t padding = 0;  // on every side, before the crop
  bool pad_if_needed = false;
  float fill = 0.0f;
};
Transform RandomCrop(std::pair<int64_t, int64_t> size, RandomCropOptions options = {});

struct RandomAffineOptions {
  std::pair<double, double> degrees{0.0, 0.0};  // rotation range; RandomAffine(d) is (-d, d)
  // Maximum shift as a fraction of the width and of the height; none when not set.
  std::pair<double, double> translate{0.0, 0.0};
  std::pair<double, double> scale{1.0, 1.0};
  // x shear range (degrees), and y shear range used only when shear_y is set, as torchvision's
  // 2- and 4-value shear.
  std::pair<double, double> shear_x{0.0, 0.0};
  std::pair<double, double> shear_y{0.0, 0.0};
  bool shear_y_set = false;
  Interpolation interpolation = Interpolation::Nearest;
  float fill = 0.0f;
};
// RandomAffine(degrees=d): options with degrees {-d, d}; see RandomAffineOptions.
Transform RandomAffine(RandomAffineOptions options);

struct RandomErasingOptions {
  double p = 0.5;
  std::pair<double, double> scale{0.02, 0.33};  // of the image's area
  std::pair<double, double> ratio{0.3, 3.3};    // aspect ratio h / w
  float value = 0.0f;
};
Transform RandomErasing(RandomErasingOptions options = {});

// Brightness and contrast factors drawn from [max(0, 1 - b), 1 + b] and [max(0, 1 - c), 1 + c],
// applied in a random order, as torchvision's ColorJitter (saturation and hue are not offered:
// they are for colour images and fovea's datasets are mostly grayscale).
Transform ColorJitter(double brightness, double contrast, float max_value = 255.0f);

}  // namespace fovea::data::transforms
