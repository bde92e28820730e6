// Softmax and log-softmax along the middle dimension of [outer, reduce, inner], compiled once per
// instruction set (kernels/cpu/dispatch.hpp). The [rows, classes] case (inner == 1) has its own
// kernels in softmax.cpp; these serve every other dimension, vectorised across a block of
// neighbouring inner positions, which are contiguous.
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

#include "kernels/cpu/per_isa/vec_math.hpp"
#include "kernels/cpu/per_isa/row_blocks.hpp"

namespace {

inline bool is_finite(float v) { return v - v == 0.0f; }

// softmax over kBlock (or fewer) neighbouring columns of [reduce, inner] starting at x, y.
void softmax_columns(const ReduceShape& s, const float* xb, float* yb, int64_t width, bool log) {
  float m[kBlock], total[kBlock];
  bool finite = true;
  for (int64_t j = 0; j < width; ++j) {
    m[j] = xb[j];
    total[j] = 0.0f;
  }
  for (int64_t r = 1; r < s.reduce; ++r)
    for (int64_t j = 0; j < width; ++j) {
      const float v = xb[r * s.inner + j];
      m[j] = m[j] != m[j] ? m[j] : (v > m[j] || v != v ? v : m[j]);
    }
  for (int64_t j = 0; j < width; ++j) finite = finite && is_finite(m[j]);
  // Subtracting the maximum keeps exp() finite; an infinite maximum gives NaN, as PyTorch.
  for (int64_t r = 0; r < s.reduce; ++r) {
    const float* xr = xb + r * s.inner;
    float* yr = yb + r * s.inner;
    if (finite && width == kBlock) {
#pragma omp simd
      for (int64_t j = 0; j < kBlock; ++j) {
        const float e = vec_math::exp(xr[j] - m[j]);
        yr[j] = e;  // overwritten below when log
        total[j] += e;
      }
    } else {
      for (int64_t j = 0; j < width; ++j) {
        const float e = std::exp(xr[j] - m[j]);
        yr[j] = e;
        total[j] += e;
      }
    }
  }
  for (int64_t j = 0; j < width; ++j) total[j] = log ? std::log(total[j]) : 1.0f / total[j];
  for (int64_t r = 0; r < s.reduce; ++r)
    for (int64_t j = 0; j < width; ++j) {
      float& out = yb[r * s.inner + j];
      out = log ? (xb[r * s.inner + j] - m[j]) - total[j] : out * total[j];
    }
}

}  // namespace

void softmax_forward(const ReduceShape& s, const float* x, float* y, bool log) {
  if (s.inner > 1) {
    for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
      const int64_t at = o * s.reduce * s.inner + i0;
      softmax_columns(s, x + at, y + at, width, log);
    });
    return;
  }
  // Contiguous rows: vectorised along the row.
  for_each_block(s, [&](int64_t o, int64_t, int64_t) {
    const float* xr = x + o * s.reduce;
    float* yr = y + o * s.reduce;
    const int64_t n = s.reduce;
    const float m = vector_extremum<false>(xr, 0, n);
    if (!is_finite(m)) {  // NaN or inf inside: the plain loop gives PyTorch's NaNs
      softmax_columns(s, xr, yr, 1, log);
      return;
    }
    float total = 0.0f;
    if (log) {
#pragma omp simd reduction(+ : total)
      for (int64_t k = 0; k < n; ++k) total += vec_math::exp(xr[k] - m);
      const float log_total = std::log(total);
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) yr[k] = (xr[k] - m) - log_total;
    } else {
#pragma omp simd reduction(+ : total)
      for (int64_t k = 0; k < n; ++k) total += (yr[k] = vec_math::exp(xr[k] - m));
      const float inv = 1.0f / total;
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) yr[k] *= inv;
    }
  });
}

void softmax_backward(const ReduceShape& s, const float* y, const float* grad_y, float* grad_x, bool log) {
  // softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g).
  for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
    const int64_t at = o * s.reduce * s.inner + i0;
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
