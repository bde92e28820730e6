// Adaptive and stochastic pooling and channel dropout modules: each forward is one op of ops.hpp.
#include <algorithm>

#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "nn/layer_helpers.hpp"

namespace fovea::nn {

namespace {

// PyTorch prints the output_size as given; an (n, n) pair is printed as the int n, as
// MaxPool2d's arguments are here.
std::string size_str(const Pair& p) { return p.h == p.w ? std::to_string(p.h) : layer_detail::pair_str(p); }

}  // namespace

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Pair output_size) : Module("AdaptiveAvgPool2d"), output_size_(output_size) {
  layer_detail::check_positive("AdaptiveAvgPool2d", "output_size", std::min(output_size.h, output_size.w));
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size_.pair()); }
std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + size_str(output_size_); }

AdaptiveMaxPool2d::AdaptiveMaxPool2d(Pair output_size) : Module("AdaptiveMaxPool2d"), output_size_(output_size) {
  layer_detail::check_positive("AdaptiveMaxPool2d", "output_size", std::min(output_size.h, output_size.w));
}

Tensor AdaptiveMaxPool2d::forward(const Tensor& input) { return adaptive_max_pool2d(input, output_size_.pair()); }
std::string AdaptiveMaxPool2d::extra_repr() const { return "output_size=" + size_str(output_size_); }

StochasticPool2d::StochasticPool2d(Pair kernel_size, Pair stride)
    : Module("StochasticPool2d"), kernel_(kernel_size), stride_(stride.h == 0 && stride.w == 0 ? kernel_size : stride) {
  layer_detail::check_positive("StochasticPool2d", "kernel_size", std::min(kernel_.h, kernel_.w));
  layer_detail::check_positive("StochasticPool2d", "stride", std::min(stride_.h, stride_.w));
}

Tensor StochasticPool2d::forward(const Tensor& input) {
  return stochastic_pool2d(input, kernel_.pair(), stride_.pair(), is_training());
}

// In the style of MaxPool2d's (the layer has no PyTorch counterpart to copy).
std::string StochasticPool2d::extra_repr() const {
  return "kernel_size=" + size_str(kernel_) + ", stride=" + size_str(stride_);
}

Dropout2d::Dropout2d(float p, bool inplace) : Module("Dropout2d"), p_(p), inplace_(inplace) {
  if (!(p >= 0.0f && p <= 1.0f))
    throw ValueError("Dropout2d: probability has to be between 0 and 1, but got " + layer_detail::float_str(p));
}

Tensor Dropout2d::forward(const Tensor& input) { return dropout2d(input, p_, is_training()); }

std::string Dropout2d::extra_repr() const {
  return "p=" + layer_detail::float_str(p_) + ", inplace=" + layer_detail::py_bool(inplace_);
}

}  // namespace fovea::nn
