// Conv2d then an eval-mode BatchNorm2d as one convolution. In eval, the batch norm is an affine map
// per channel c, y = (x - running_mean_c) * scale_c + bias_c with
// scale_c = weight_c / sqrt(running_var_c + eps), and x is the convolution's output
// conv(input, w)_c + b_c, so
//   y = conv(input, w * scale)_c + (b_c - running_mean_c) * scale_c + bias_c.
// One convolution with those weights replaces a second pass over the activation (read it, write
// it again), and the folding itself touches only the weights: done once and kept.
#include <array>
#include <atomic>
#include <utility>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "nn/folded_batch_norm.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::nn {

namespace {

std::atomic<bool> fuse_batch_norm_on{true};

}  // namespace

void set_fuse_batch_norm(bool on) { fuse_batch_norm_on = on; }
bool fuse_batch_norm() { return fuse_batch_norm_on; }

namespace detail {

SeenTensor::SeenTensor(const Tensor& t)
    : tensor(t), storage(t.defined() ? t.impl()->storage : nullptr), version(storage ? storage->version : 0) {}

bool SeenTensor::unchanged(const Tensor& t) const {
  if (t.impl() != tensor.impl()) return false;  // another tensor now (or one where none was)
  return !t.defined() || (t.impl()->storage == storage && storage->version == version);
}

std::pair<Tensor, Tensor> FoldedBatchNorm::for_pair(const Conv2d& conv, const BatchNorm2d& bn) {
  const std::array<const Tensor*, 6> sources = {&conv.weight, &conv.bias, &bn.weight,
                                                 &bn.bias,     &bn.running_mean, &bn.running_var};
  std::lock_guard<std::mutex> lock(mutex_);
  bool unchanged = !sources_.empty() && eps_ == bn.eps();
  for (size_t i = 0; unchanged && i < sources.size(); ++i) unchanged = sources_[i].unchanged(*sources[i]);
  if (unchanged) return {weight_, bias_};

  // Computed from the values only: the folded weights are constants, never part of a graph (the
  // caller folds only where no graph is recorded).
  NoGradGuard no_grad;
  Tensor scale = rsqrt(bn.running_var + bn.eps());
  if (bn.weight.defined()) scale = scale * bn.weight;
  const Tensor shift = (conv.bias.defined() ? conv.bias - bn.running_mean : 0.0f - bn.running_mean) * scale;
  weight_ = (conv.weight * scale.reshape({conv.out_channels(), 1, 1, 1})).contiguous();
  bias_ = (bn.bias.defined() ? shift + bn.bias : shift).contiguous();
  sources_.clear();
  for (const Tensor* t : sources) sources_.emplace_back(*t);
  eps_ = bn.eps();
  return {weight_, bias_};
}

}  // namespace detail

// The same result as bn(conv(input)) through operator() only where nothing can tell them apart:
// bn uses its running statistics (eval mode, which it keeps), its channels are this layer's
// outputs (otherwise the unfolded path reports the mismatch, as it always did), no forward hook
// would miss its module's own output, and no graph is recorded (the folded weights are constants,
// so a graph through them would give no gradient to the parameters they came from).
bool Conv2d::can_fold(const BatchNorm2d& bn, const Tensor& input) const {
  return fuse_batch_norm() && !bn.is_training() && bn.track_running_stats() && bn.num_features() == out_channels_ &&
         !has_forward_hooks() && !bn.has_forward_hooks() &&
         !needs_graph({&input, &weight, &bias, &bn.weight, &bn.bias});
}

// Called by Sequential directly, not through operator(): the layer names itself in an error here.
Tensor Conv2d::forward_batch_norm(const Tensor& input, const BatchNorm2d& bn, bool relu) {
  try {
    const auto [w, b] = folded_->for_pair(*this, bn);
    return relu ? conv2d_relu(input, w, b, stride_.pair(), padding_.pair(), dilation_.pair(), groups_)
                : conv2d(input, w, b, stride_.pair(), padding_.pair(), dilation_.pair(), groups_);
  } catch (const Error& e) {
    rethrow_annotated(e);
  }
}

}  // namespace fovea::nn
