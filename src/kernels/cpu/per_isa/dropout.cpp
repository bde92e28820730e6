// Inverted dropout's elementwise part, compiled once per instruction set (kernels/cpu/dispatch.hpp).
// The random draws are not here: they come from the one seeded generator, in element order, so a
// seed gives the same mask whatever the instruction set or thread count.
#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

void dropout_forward(int64_t n, const float* x, float p, float scale, float* mask, float* y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    mask[i] = mask[i] < p ? 0.0f : scale;
    y[i] = x[i] * mask[i];
  }
}

void dropout_backward(int64_t n, const float* grad_y, const float* mask, float* grad_x) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) grad_x[i] = grad_y[i] * mask[i];
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
