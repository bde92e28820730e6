#pragma once
// The pictures of a model rather than of numbers: its first convolution's kernels, and the feature
// maps an image produces in it. Feature maps are captured with forward hooks
// (nn::Module::register_forward_hook), so any model built of fovea's modules works, not only the
// seed's CNN, and the model itself knows nothing of pictures.
#include <string>
#include <utility>
#include <vector>

#include "fovea/nn/module.hpp"
#include "fovea/viz/figures.hpp"
#include "fovea/viz/picture.hpp"

namespace fovea::viz {

// The model's first Conv2d in registration order (the one that sees the pixels), with its path
// ("conv1.0"). ValueError naming the model when it has none.
std::pair<std::string, const nn::Module*> first_convolution(const nn::Module& model);

// kernels.png: every kernel of the first convolution on one grey scale (viz::kernel_grid).
Picture model_kernels(const nn::Module& model);

// The output of each convolution stage for one image (C x H x W or H x W), as (name, C x H x W).
// A stage is a child of the model that holds a Conv2d (as the seed's conv1 = Conv2d, ReLU,
// MaxPool2d); in a flat Sequential, a Conv2d with the activation and pooling layers after it, up
// to the next Conv2d or the first Flatten or Linear. The model runs once in eval mode without
// gradients; its mode is put back after.
std::vector<std::pair<std::string, Tensor>> convolution_stages(nn::Module& model, const Tensor& image);

// feature_maps.png: the image and every stage's maps (viz::feature_maps).
Picture model_feature_maps(nn::Module& model, const Tensor& image);

}  // namespace fovea::viz
