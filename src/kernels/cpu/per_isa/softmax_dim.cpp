// Softmax and log-softmax along the middle dimension of [outer, reduce, inner], compiled once per
// instruction set (kernels/cpu/dispatch.hpp). The [rows, classes] case (inner == 1) has its own
// kernels in softmax.cpp; these serve every other dimension, vectorised across a block of
// neighbouring inner positions, which are contiguous.
#include <cmath>
#include <cstdint>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {

constexpr int64_t kBlock = 16;
constexpr int64_t kGrain = 32768;

template <typename F>
void for_each_block(const ReduceShape& s, F f) {
  const int64_t width = s.inner == 1 ? 1 : kBlock;
  const int64_t per_outer = (s.inner + width - 1) / width;
  const int64_t blocks = s.outer * per_outer;
  const bool parallel = s.outer * s.reduce * s.inner > kGrain && blocks > 1;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t o = b / per_outer, i0 = (b % per_outer) * width;
    f(o * s.reduce * s.inner + i0, s.inner - i0 < width ? s.inner - i0 : width);
  }
}

}  // namespace

void softmax_forward(const ReduceShape& s, const float* x, float* y, bool log) {
  for_each_block(s, [&](int64_t at, int64_t width) {
    const float* xb = x + at;
    float* yb = y + at;
    float m[kBlock], total[kBlock];
    for (int64_t j = 0; j < width; ++j) {
      m[j] = xb[j];
      total[j] = 0.0f;
    }
    for (int64_t r = 1; r < s.reduce; ++r)
      for (int64_t j = 0; j < width; ++j) {
        const float v = xb[r * s.inner + j];
        m[j] = v > m[j] || v != v ? v : m[j];
      }
    // Subtracting the maximum keeps exp() finite; an infinite maximum gives NaN, as PyTorch.
    for (int64_t r = 0; r < s.reduce; ++r)
      for (int64_t j = 0; j < width; ++j) {
        const float e = std::exp(xb[r * s.inner + j] - m[j]);
        if (!log) yb[r * s.inner + j] = e;
        total[j] += e;
      }
    for (int64_t j = 0; j < width; ++j) total[j] = log ? std::log(total[j]) : 1.0f / total[j];
    for (int64_t r = 0; r < s.reduce; ++r)
      for (int64_t j = 0; j < width; ++j) {
        float& out = yb[r * s.inner + j];
        out = log ? (xb[r * s.inner + j] - m[j]) - total[j] : out * total[j];
      }
  });
}

void softmax_backward(const ReduceShape& s, const float* y, const float* grad_y, float* grad_x, bool log) {
  // softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g).
  for_each_block(s, [&](int64_t at, int64_t width) {
    float total[kBlock] = {};
    for (int64_t r = 0; r < s.reduce; ++r)
      for (int64_t j = 0; j < width; ++j) {
        const int64_t k = at + r * s.inner + j;
        total[j] += log ? grad_y[k] : grad_y[k] * y[k];
      }
    for (int64_t r = 0; r < s.reduce; ++r)
      for (int64_t j = 0; j < width; ++j) {
        const int64_t k = at + r * s.inner + j;
        grad_x[k] = log ? grad_y[k] - std::exp(y[k]) * total[j] : y[k] * (grad_y[k] - total[j]);
      }
  });
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
