#include "fovea/models/lenet5.hpp"

namespace fovea::models {

using namespace fovea::nn;

namespace {

ModulePtr activation(LeNetStyle style) {
  if (style == LeNetStyle::Classic) return std::make_shared<Tanh>();
  return std::make_shared<ReLU>();
}

ModulePtr pool(LeNetStyle style) {
  if (style == LeNetStyle::Classic) return std::make_shared<AvgPool2d>(2);
  return std::make_shared<MaxPool2d>(2);
}

}  // namespace

LeNet5::LeNet5(LeNetStyle style, int64_t num_classes) : Module("LeNet5"), style_(style), num_classes_(num_classes) {
  features = register_module("features", std::make_shared<Sequential>());
  features->push_back(std::make_shared<Conv2d>(1, 6, 5, 1, 2));
  features->push_back(activation(style));
  features->push_back(pool(style));
  features->push_back(std::make_shared<Conv2d>(6, 16, 5));
  features->push_back(activation(style));
  features->push_back(pool(style));
  classifier = register_module("classifier", std::make_shared<Sequential>());
  classifier->push_back(std::make_shared<Flatten>());
  classifier->push_back(std::make_shared<Linear>(16 * 5 * 5, 120));
  classifier->push_back(activation(style));
  classifier->push_back(std::make_shared<Linear>(120, 84));
  classifier->push_back(activation(style));
  classifier->push_back(std::make_shared<Linear>(84, num_classes));
}

Tensor LeNet5::forward(const Tensor& x) { return (*classifier)((*features)(x)); }

}  // namespace fovea::models
