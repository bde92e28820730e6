#pragma once
// Differentiable operations as free functions, the counterpart of torch.nn.functional.
// Each computes with a kernel from src/kernels and, when a graph is being recorded, attaches a
// node whose backward calls the matching backward kernels. Shapes follow PyTorch: images are
// N x C x H x W, linear inputs are N x in_features.
#include <cstdint>
#include <utility>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea {

// ---- elementwise and reductions ----
Tensor add(const Tensor& a, const Tensor& b);  // same shape
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, float s);
Tensor sum(const Tensor& a);   // all elements -> shape []
Tensor mean(const Tensor& a);  // all elements -> shape []
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, float s);

// ---- activations ----
Tensor relu(const Tensor& x);

// ---- convolution and pooling ----
// PyTorch's F.conv2d with groups=1, dilation=1. `bias` may be undefined.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              std::pair<int64_t, int64_t> stride = {1, 1}, std::pair<int64_t, int64_t> padding = {0, 0});
// relu(conv2d(...)) in one pass: oneDNN applies the ReLU as each output is written. Same values
// and gradients as the two ops; nn::Sequential uses it for a Conv2d followed by a ReLU.
Tensor conv2d_relu(const Tensor& input, const Tensor& weight, const Tensor& bias,
                   std::pair<int64_t, int64_t> stride = {1, 1}, std::pair<int64_t, int64_t> padding = {0, 0});
// F.max_pool2d / F.avg_pool2d; stride defaults to the kernel size when given as {0, 0}.
// Windows that run past the padded border are not emitted (ceil_mode=False).
Tensor max_pool2d(const Tensor& input, std::pair<int64_t, int64_t> kernel,
                  std::pair<int64_t, int64_t> stride = {0, 0}, std::pair<int64_t, int64_t> padding = {0, 0});
// count_include_pad=True, as PyTorch's default.
Tensor avg_pool2d(const Tensor& input, std::pair<int64_t, int64_t> kernel,
                  std::pair<int64_t, int64_t> stride = {0, 0}, std::pair<int64_t, int64_t> padding = {0, 0});

// ---- fully connected ----
// y = x W^T + b, with W of shape out x in. `bias` may be undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias);

// ---- regularisation ----
// Zeroes each element with probability p and scales survivors by 1/(1-p) when `training`;
// identity otherwise. Masks come from the global generator (random.hpp).
Tensor dropout(const Tensor& input, float p, bool training);

// ---- losses ----
// Along dim 1 of an N x C tensor, computed as x - max - log(sum(exp(x - max))).
Tensor log_softmax(const Tensor& input);
// Mean over the batch of -log_probs[i, target[i]].
Tensor nll_loss(const Tensor& log_probs, const std::vector<int64_t>& target);
// nll_loss(log_softmax(logits)) in one stable step, mean reduction, as nn.CrossEntropyLoss().
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& target);

}  // namespace fovea
