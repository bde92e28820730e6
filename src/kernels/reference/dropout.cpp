// Naive inverted dropout: each element's mask from its uniform draw.
#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void dropout_forward(int64_t n, const float* x, float p, float scale, float* mask, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    mask[i] = mask[i] < p ? 0.0f : scale;
    y[i] = x[i] * mask[i];  // not 0 when dropped: NaN and inf stay NaN, as in PyTorch
  }
}

void dropout_backward(int64_t n, const float* grad_y, const float* mask, float* grad_x) {
  for (int64_t i = 0; i < n; ++i) grad_x[i] = grad_y[i] * mask[i];
}

}  // namespace fovea::kernels::reference
