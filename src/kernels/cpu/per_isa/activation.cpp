// ReLU forward and backward, compiled once per instruction set (kernels/cpu/dispatch.hpp).
#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
// A parallel region costs a few microseconds; below this size one core's SIMD loop is faster.
// The `if` names `parallel`: without the modifier it applies to `simd` too (OpenMP 5), and below
// the threshold GCC ran the loop scalar, branching element by element (ReLU's backward over the
// seed's 16 k fc1 activations took 55 us instead of 2.4).
constexpr int64_t kParallelThreshold = 1 << 16;
}  // namespace

void relu_forward(int64_t n, const float* x, float* y) {
  // `x < 0 ? 0 : x` lets NaN through, as PyTorch's relu does.
#pragma omp parallel for simd schedule(static) if (parallel : n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void relu_backward(int64_t n, const float* y, const float* grad_y, float* grad_x) {
#pragma omp parallel for simd schedule(static) if (parallel : n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) grad_x[i] = y[i] > 0.0f ? grad_y[i] : 0.0f;
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
