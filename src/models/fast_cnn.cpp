#include "fovea/models/fast_cnn.hpp"

namespace fovea::models {

using namespace fovea::nn;

std::shared_ptr<Sequential> fast_cnn(int64_t num_classes) {
  // Conv2d's arguments in PyTorch's order: stride, padding, dilation, groups, bias.
  return std::make_shared<Sequential>(Conv2d(1, 16, 5, 1, 0, 1, 1, false), BatchNorm2d(16), ReLU(true), MaxPool2d(2),
                                      Conv2d(16, 32, 5, 1, 0, 1, 1, false), BatchNorm2d(32), ReLU(true), MaxPool2d(2),
                                      Flatten(), Linear(4 * 4 * 32, num_classes));
}

}  // namespace fovea::models
