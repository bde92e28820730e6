#pragma once
// Datasets yield (image, target) examples by index, as torch.utils.data.Dataset.
#include <cstdint>
#include <functional>
#include <memory>
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
  // The class names by target index (torchvision's `classes`), or none when the dataset has none.
  virtual std::vector<std::string> classes() const { return {}; }
};

// The first `count` examples of another dataset (torch.utils.data.Subset over range(count)):
// `fovea eval --limit` and the interchange checks read the first 1,000 test images this way.
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> dataset, int64_t count);
  int64_t size() const override { return count_; }
  Example get(int64_t index) const override;
  std::vector<std::string> classes() const override { return dataset_->classes(); }

 private:
  std::shared_ptr<const Dataset> dataset_;
  int64_t count_;
};

}  // namespace fovea::data
