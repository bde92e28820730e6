#pragma once
// The models the fovea command builds by name (`fovea train --model NAME`), and the name a
// weights file records so that eval, predict and export rebuild the same architecture.
//
//   cnn          the seed's CNN_net (models::CNNNet), the default
//   lenet5       LeNet-5, Tanh and average pooling (models::LeNet5, LeNetStyle::Classic)
//   lenet5-relu  the same layout with ReLU and max pooling (LeNetStyle::Modern)
//   fast         two convolutions with batch norm: the network of --recipe fast (fast_cnn.hpp)
//
// All take N x 1 x 28 x 28 images and give one score per class (10 unless asked otherwise).
#include <string>
#include <vector>

#include "fovea/nn/module.hpp"

namespace fovea::models {

// The names above, in that order.
std::vector<std::string> model_names();
// A fresh model (initialised from the global generator, as its constructor does) with
// `num_classes` outputs. Throws ValueError listing the names for any other name, and for fewer
// than 2 or more than 2^20 classes.
nn::ModulePtr create_model(const std::string& name, int64_t num_classes = 10);
// What one example must be for every model here: 1 x 28 x 28.
Shape model_input_shape();
// The key a weights file's metadata holds the name under ("fovea.model"); a file without it
// (PyTorch's state_dict, or fovea's before --model existed) holds the seed's CNN.
inline constexpr const char* kModelNameKey = "fovea.model";
inline constexpr const char* kDefaultModel = "cnn";

}  // namespace fovea::models
