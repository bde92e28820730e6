#pragma once
// LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), the network the seed's post names as the
// ancestor of its CNN, in the layout PyTorch users write it for 28 x 28 MNIST digits:
//
//   features:   Conv2d(1, 6, 5, padding 2) -> act -> pool(2)     1x28x28 -> 6x14x14
//               Conv2d(6, 16, 5) -> act -> pool(2)               -> 16x5x5
//   classifier: Flatten -> Linear(400, 120) -> act -> Linear(120, 84) -> act -> Linear(84, 10)
//
// Classic: act = Tanh, pool = AvgPool2d (the paper's subsampling layers, without their trainable
// coefficient; the padding stands in for the paper's 32 x 32 input). Modern: act = ReLU, pool =
// MaxPool2d, what the layout is usually trained with today. 61,706 parameters either way.
#include "fovea/nn/layers.hpp"

namespace fovea::models {

enum class LeNetStyle { Classic, Modern };

class LeNet5 : public nn::Module {
 public:
  // num_classes sizes the last layer (10 for MNIST).
  explicit LeNet5(LeNetStyle style = LeNetStyle::Classic, int64_t num_classes = 10);
  static Shape input_shape() { return {1, 28, 28}; }
  Tensor forward(const Tensor& x) override;
  nn::ModulePtr clone() const override { return clone_as<LeNet5>(style_, num_classes_); }
  LeNetStyle style() const { return style_; }

  std::shared_ptr<nn::Sequential> features, classifier;

 private:
  LeNetStyle style_;
  int64_t num_classes_;
};

}  // namespace fovea::models
