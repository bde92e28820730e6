// Naive ReLU. `x < 0 ? 0 : x` rather than `x > 0 ? x : 0` so that NaN passes through, as
// PyTorch's relu (clamp_min) lets it.
#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void relu_forward(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void relu_backward(int64_t n, const float* y, const float* grad_y, float* grad_x) {
  for (int64_t i = 0; i < n; ++i) grad_x[i] = y[i] > 0.0f ? grad_y[i] : 0.0f;
}

}  // namespace fovea::kernels::reference
