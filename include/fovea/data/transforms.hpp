#pragma once
// Transforms map one image tensor to another, as torchvision.transforms.
//
// fovea's image datasets hand out C x H x W float tensors holding the raw 0..255 pixel values
// (the role of torchvision's PIL image); ToTensor scales them to [0, 1] as torchvision's does for
// uint8 input, and Normalize subtracts a per-channel mean and divides by a per-channel std.
#include <functional>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::data::transforms {

using Transform = std::function<Tensor(const Tensor&)>;

Transform ToTensor();
// One value per channel, or a single value used for every channel. std must be non-zero.
Transform Normalize(std::vector<float> mean, std::vector<float> std);
// Applies each transform in order.
Transform Compose(std::vector<Transform> transforms);

}  // namespace fovea::data::transforms
