#pragma once
// The weights of a Conv2d with the eval-mode BatchNorm2d after it folded in, and what they were
// folded from, so that they are recomputed exactly when that changed (see Conv2d::forward_batch_norm).
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "fovea/nn/layers.hpp"
#include "fovea/tensor.hpp"

namespace fovea::nn::detail {

// What a tensor was when the folded weights were computed from it: the same tensor (held, so that
// a new tensor cannot come to live at its address), on the same storage, at the same version.
struct SeenTensor {
  explicit SeenTensor(const Tensor& t);
  bool unchanged(const Tensor& t) const;

  Tensor tensor;
  std::shared_ptr<Storage> storage;
  uint64_t version = 0;
};

struct FoldedBatchNorm {
  // The folded weight [out, in / groups, kh, kw] and bias [out] for conv followed by bn, computed
  // again when any of conv's weight and bias, bn's weight, bias, running_mean and running_var, or
  // bn's eps is not what it was last time.
  std::pair<Tensor, Tensor> for_pair(const Conv2d& conv, const BatchNorm2d& bn);

 private:
  // A model may serve forwards from several threads at once; the first of them to see a change
  // folds, the others wait for it.
  std::mutex mutex_;
  std::vector<SeenTensor> sources_;  // empty until the first fold
  float eps_ = 0.0f;
  Tensor weight_, bias_;
};

}  // namespace fovea::nn::detail
