#pragma once
// The one check every augmentation makes of its input. Internal to src/data.
#include "fovea/tensor.hpp"

namespace fovea::data::transforms::detail {

// The image as a contiguous float32 C x H x W tensor, or one error naming `function`.
Tensor checked_image(const Tensor& image, const char* function);

}  // namespace fovea::data::transforms::detail
