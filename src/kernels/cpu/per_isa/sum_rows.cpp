// Column sums of a row-major matrix (the linear layer's bias gradient), compiled once per
// instruction set (kernels/cpu/dispatch.hpp).
#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

void sum_rows(int64_t rows, int64_t cols, const float* x, float* out) {
  // Rows in order, each a contiguous vectorisable add: a fixed summation order, hence
  // reproducible, and cheap next to the matrix products around it.
  for (int64_t c = 0; c < cols; ++c) out[c] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) out[c] += xr[c];
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
