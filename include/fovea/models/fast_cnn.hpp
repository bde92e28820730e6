#pragma once
// The network of `fovea train --recipe fast` (registry name "fast"): 99% on MNIST in one epoch
// on two CPU cores. Two 5 x 5 convolutions, each followed by batch norm, ReLU and 2 x 2 max
// pooling, then one linear layer:
//
//   Conv2d(1, 16, 5, bias=False)  BatchNorm2d(16) ReLU  MaxPool2d(2)   28 -> 24 -> 12
//   Conv2d(16, 32, 5, bias=False) BatchNorm2d(32) ReLU  MaxPool2d(2)   12 ->  8 ->  4
//   Flatten()  Linear(512, 10)
//
// Batch norm is what lets one epoch at a high learning rate converge; the convolutions have no
// bias because the batch norm after each subtracts it again. Its cost, 1.9 M multiply-adds an
// image, is about the seed's CNN_net's (1.2 M), and its state_dict keys are nn.Sequential's
// (0.weight, 1.running_mean, ..., 9.bias), so PyTorch loads the weights into the same
// nn.Sequential (bench/fast_recipe_torch.py builds it).
#include <memory>

#include "fovea/nn/layers.hpp"

namespace fovea::models {

// num_classes sizes the last layer (10 for MNIST).
std::shared_ptr<nn::Sequential> fast_cnn(int64_t num_classes = 10);

}  // namespace fovea::models
