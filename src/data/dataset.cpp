#include "fovea/data/dataset.hpp"

#include "fovea/error.hpp"

namespace fovea::data {

Subset::Subset(std::shared_ptr<const Dataset> dataset, int64_t count) : dataset_(std::move(dataset)), count_(count) {
  if (!dataset_) throw ValueError("Subset: no dataset given");
  if (count < 0 || count > dataset_->size())
    throw ValueError("Subset: " + std::to_string(count) + " examples asked of a dataset of " +
                     std::to_string(dataset_->size()));
}

Example Subset::get(int64_t index) const {
  if (index < 0 || index >= count_)
    throw ValueError("Subset: index " + std::to_string(index) + " out of range for " + std::to_string(count_) + " examples");
  return dataset_->get(index);
}

}  // namespace fovea::data
