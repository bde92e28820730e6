#include "fovea/models/cnn_net.hpp"

namespace fovea::models {

using namespace fovea::nn;

CNNNet::CNNNet(int64_t num_classes) : Module("CNN_net"), num_classes_(num_classes) {
  conv1 = register_module("conv1", std::make_shared<Sequential>(Conv2d(1, 16, 3, 1, 1), ReLU(true), MaxPool2d(2, 2)));
  conv2 = register_module("conv2", std::make_shared<Sequential>(Conv2d(16, 32, 3, 1, 1), ReLU(true), MaxPool2d(2, 2)));
  dense = register_module("dense", std::make_shared<Sequential>(Linear(7 * 7 * 32, 128), ReLU(), Dropout(0.5f),
                                                                Linear(128, num_classes)));
}

Tensor CNNNet::forward(const Tensor& x) {
  Tensor h = (*conv1)(x);
  h = (*conv2)(h);
  h = h.view({h.size(0), -1});
  return (*dense)(h);
}

}  // namespace fovea::models
