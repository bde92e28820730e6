#pragma once
// Datasets yield (image, target) examples by index, as torch.utils.data.Dataset.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::data {

struct Example {
  Tensor image;    // C x H x W
  int64_t target;  // class index
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Example get(int64_t index) const = 0;
};

}  // namespace fovea::data
