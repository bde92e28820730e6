// BatchNorm1d and BatchNorm2d: torch.nn.modules.batchnorm._BatchNorm's bookkeeping (which
// statistics to use, the momentum or cumulative-average factor, num_batches_tracked) around the
// batch_norm op, which does the arithmetic and updates the running statistics.
#include <cstdint>
#include <string>

#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "nn/layer_helpers.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::nn {

BatchNorm::BatchNorm(const char* type, int64_t num_features, float eps, std::optional<float> momentum, bool affine,
                     bool track_running_stats)
    : Module(type),
      num_features_(num_features),
      eps_(eps),
      momentum_(momentum),
      affine_(affine),
      track_running_stats_(track_running_stats) {
  layer_detail::check_positive(type, "num_features", num_features);
  if (!(eps > 0.0f)) throw ValueError(std::string(type) + ": eps must be positive, got " + layer_detail::float_str(eps));
  // PyTorch's reset_parameters: weight 1, bias 0; running_mean 0, running_var 1, no batches yet.
  // Registered in PyTorch's order, so state_dict keys and order match.
  if (affine) {
    weight = register_parameter("weight", ones({num_features}).requires_grad_(true));
    bias = register_parameter("bias", zeros({num_features}).requires_grad_(true));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

Tensor BatchNorm::forward(const Tensor& input) {
  check_input_dim(input);
  FOVEA_CHECK(input.size(1) == num_features_, ShapeError, "expected input with ", num_features_,
              " channels (dimension 1), got shape ", to_string(input.shape()));
  // As _BatchNorm.forward: the factor is momentum, or 1/num_batches_tracked with momentum=None
  // (a cumulative moving average); the counter advances on every training forward.
  float factor = momentum_.value_or(0.0f);
  const bool training = is_training();
  if (training && track_running_stats_) {
    // The counter is state outside any graph; written as an int64 (exact past 2^24, which a
    // float round trip through copy_ would not be), its version bumped as any in-place write.
    const int64_t tracked = num_batches_tracked.item<int64_t>() + 1;
    num_batches_tracked.data_ptr<int64_t>()[0] = tracked;
    fovea::detail::bump_version(num_batches_tracked);
    if (!momentum_) factor = 1.0f / float(tracked);
  }
  // Batch statistics in training, and in eval when no running statistics are kept.
  const bool use_batch_stats = training || !track_running_stats_;
  // Running statistics are updated only in training (not in eval without them, where they are
  // undefined anyway).
  const bool update = training && track_running_stats_;
  return batch_norm(input, update || !use_batch_stats ? running_mean : Tensor(),
                    update || !use_batch_stats ? running_var : Tensor(), weight, bias, use_batch_stats, factor, eps_);
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features_) + ", eps=" + layer_detail::float_str(eps_) +
         ", momentum=" + (momentum_ ? layer_detail::float_str(*momentum_) : std::string("None")) +
         ", affine=" + layer_detail::py_bool(affine_) +
         ", track_running_stats=" + layer_detail::py_bool(track_running_stats_);
}

void BatchNorm1d::check_input_dim(const Tensor& input) const {
  FOVEA_CHECK(input.dim() == 2 || input.dim() == 3, ShapeError, "expected 2D or 3D input (got ", input.dim(),
              "D input of shape ", to_string(input.shape()), ")");
}

void BatchNorm2d::check_input_dim(const Tensor& input) const {
  FOVEA_CHECK(input.dim() == 4, ShapeError, "expected 4D input (got ", input.dim(), "D input of shape ",
              to_string(input.shape()), ")");
}

}  // namespace fovea::nn
