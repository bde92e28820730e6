// Activation modules: each forward is one op of ops.hpp; only the printed form is their own.
#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "nn/layer_helpers.hpp"

namespace fovea::nn {

Tensor LeakyReLU::forward(const Tensor& input) { return leaky_relu(input, negative_slope_); }

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + layer_detail::float_str(negative_slope_) + (inplace_ ? ", inplace=True" : "");
}

// Checked here, so that a bad value fails when the model is built rather than at its first batch.
GELU::GELU(std::string approximate) : Module("GELU"), approximate_(std::move(approximate)) {
  if (approximate_ != "none" && approximate_ != "tanh")
    throw ValueError("GELU: approximate must be 'none' or 'tanh', got '" + approximate_ + "'");
}

Tensor GELU::forward(const Tensor& input) { return gelu(input, approximate_); }
Tensor SiLU::forward(const Tensor& input) { return silu(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }
Tensor Tanh::forward(const Tensor& input) { return tanh(input); }
Tensor Softmax::forward(const Tensor& input) { return softmax(input, dim_); }

}  // namespace fovea::nn
