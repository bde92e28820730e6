#pragma once
// The seed's CNN (CNN_net in the blog post), for the fovea command, the benchmarks and the tests.
// examples/mnist_cnn.cpp spells the same model out in full, as a user would write it.
//
//   conv1: Conv2d(1, 16, 3, padding 1) -> ReLU -> MaxPool2d(2)     1x28x28 -> 16x14x14
//   conv2: Conv2d(16, 32, 3, padding 1) -> ReLU -> MaxPool2d(2)    -> 32x7x7
//   dense: Linear(1568, 128) -> ReLU -> Dropout(0.5) -> Linear(128, 10)
//
// `num_classes` other than 10 sizes the last layer for another dataset (an image folder's).
#include <memory>

#include "fovea/nn/layers.hpp"

namespace fovea::models {

class CNNNet : public nn::Module {
 public:
  explicit CNNNet(int64_t num_classes = 10);
  // What one example must be: 1 channel of 28 x 28 pixels (the flattened 32 x 7 x 7 feeds dense.0).
  static Shape input_shape() { return {1, 28, 28}; }
  Tensor forward(const Tensor& x) override;
  nn::ModulePtr clone() const override { return clone_as<CNNNet>(num_classes_); }

  std::shared_ptr<nn::Sequential> conv1, conv2, dense;

 private:
  int64_t num_classes_;
};

}  // namespace fovea::models
