#pragma once
// Shape descriptions passed to kernels. Kernels see raw float pointers and these structs only:
// no Tensor, no autograd, no modules.
#include <cstdint>

namespace fovea::kernels {

struct Conv2dShape {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, kernel_h, kernel_w;
  int64_t stride_h, stride_w, pad_h, pad_w;
  int64_t out_h() const { return (in_h + 2 * pad_h - kernel_h) / stride_h + 1; }
  int64_t out_w() const { return (in_w + 2 * pad_w - kernel_w) / stride_w + 1; }
};

struct Pool2dShape {
  int64_t batch, channels, in_h, in_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  int64_t out_h() const { return (in_h + 2 * pad_h - kernel_h) / stride_h + 1; }
  int64_t out_w() const { return (in_w + 2 * pad_w - kernel_w) / stride_w + 1; }
};

// y[rows x out] = x[rows x in] * W^T + b, W is out x in (PyTorch's Linear layout).
struct LinearShape {
  int64_t rows, in_features, out_features;
};

}  // namespace fovea::kernels

namespace fovea::kernels {

// A reduction over the middle dimension of a row-major [outer, reduce, inner] array (any set of
// adjacent dimensions, once the reduced ones are brought together); its result is [outer, inner].
struct ReduceShape {
  int64_t outer, reduce, inner;
  int64_t outputs() const { return outer * inner; }
};

// Which elementwise regression loss a loss kernel computes.
enum class RegressionLoss { Mse, L1, SmoothL1 };

}  // namespace fovea::kernels

namespace fovea::kernels {

// The scalars of one torch.optim.Adam step for a parameter at step t (optimizer.hpp has the
// formula): step_size = lr / (1 - beta1^t), bias2_sqrt = sqrt(1 - beta2^t). AdamW's decoupled
// decay is param_scale = 1 - lr * weight_decay (computed in double, as Python does), applied to
// the weight before the update, with weight_decay (Adam's L2 term) 0.
struct AdamStep {
  float beta1, beta2, eps, weight_decay, step_size, bias2_sqrt;
  float param_scale = 1.0f;
};

// The scalars of one torch.optim.RMSprop step. one_minus_alpha is 1 - alpha in double, rounded
// once (as torch rounds the Python float), not 1.0f - alpha.
struct RMSpropStep {
  float lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  bool centered;
};

}  // namespace fovea::kernels
