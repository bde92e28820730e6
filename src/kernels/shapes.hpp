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
