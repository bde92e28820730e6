#pragma once
// Shape descriptions passed to kernels. Kernels see raw float pointers and these structs only:
// no Tensor, no autograd, no modules.
#include <cstdint>

namespace fovea::kernels {

// With `groups` g, input and output channels split into g groups, output group j seeing input
// group j only; the weight is [out_channels, in_channels / g, kernel_h, kernel_w]. A dilation d
// spaces the kernel's taps d apart (the kernel spans d * (k - 1) + 1 inputs). Both default to 1,
// the plain convolution, so the 11-value initialisers of the seed still mean what they did.
struct Conv2dShape {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, kernel_h, kernel_w;
  int64_t stride_h, stride_w, pad_h, pad_w;
  int64_t groups = 1, dilation_h = 1, dilation_w = 1;
  int64_t span_h() const { return dilation_h * (kernel_h - 1) + 1; }
  int64_t span_w() const { return dilation_w * (kernel_w - 1) + 1; }
  int64_t out_h() const { return (in_h + 2 * pad_h - span_h()) / stride_h + 1; }
  int64_t out_w() const { return (in_w + 2 * pad_w - span_w()) / stride_w + 1; }
  int64_t in_per_group() const { return in_channels / groups; }
  int64_t out_per_group() const { return out_channels / groups; }
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

// One parameter of a fused torch.optim.SGD step (sgd_update_fused): its n elements and its
// group's hyperparameters. `buffer` is the momentum buffer (ignored when momentum == 0), `first`
// when that buffer is new and is set to the gradient.
struct SgdParam {
  int64_t n;
  float* weight;
  const float* grad;
  float* buffer;
  float lr, momentum, dampening, weight_decay;
  bool nesterov, first;
};

// The scalars of one torch.optim.RMSprop step. one_minus_alpha is 1 - alpha in double, rounded
// once (as torch rounds the Python float), not 1.0f - alpha.
struct RMSpropStep {
  float lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  bool centered;
};

// One parameter of a fused Adam or RMSprop step (adam_update_fused, rmsprop_update_fused): its n
// elements, its state (null where adam_update / rmsprop_update take null) and its step's scalars.
struct AdamParam {
  int64_t n;
  float* weight;
  const float* grad;
  float *exp_avg, *exp_avg_sq, *max_exp_avg_sq;
  AdamStep step;
};
struct RMSpropParam {
  int64_t n;
  float* weight;
  const float* grad;
  float *square_avg, *grad_avg, *momentum_buffer;
  RMSpropStep step;
};

}  // namespace fovea::kernels

namespace fovea::kernels {

// Batch normalisation over a row-major [batch, channels, spatial] array (spatial = 1 for [N, C],
// L for [N, C, L], H * W for [N, C, H, W]): statistics are per channel over batch * spatial values.
struct BatchNormShape {
  int64_t batch, channels, spatial;
  int64_t per_channel() const { return batch * spatial; }
};

// Adaptive pooling of `planes` (batch * channels) row-major in_h x in_w planes to out_h x out_w:
// output row i covers input rows [floor(i * in_h / out_h), ceil((i + 1) * in_h / out_h)), and
// likewise for columns, as PyTorch's.
struct AdaptivePool2dShape {
  int64_t planes, in_h, in_w, out_h, out_w;
};

}  // namespace fovea::kernels
