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

// exp(x) for x <= 0 (or -inf; never NaN) in a form the compiler vectorises, where std::exp is a
// scalar libm call: Cephes' expf, exp(x) = 2^n exp(r) with n = round(x / ln 2) and a polynomial
// for exp(r), within 2 ulp of std::exp; 0 below -87, where exp leaves the normal floats. Written
// with bit masks instead of ?: on floats, which GCC will not vectorise here.
inline float exp_nonpositive(float x) {
  const int32_t under = -static_cast<int32_t>(x < -87.0f);  // all ones where the result is 0
  const float xc = __builtin_bit_cast(
      float, (__builtin_bit_cast(int32_t, x) & ~under) | (__builtin_bit_cast(int32_t, -87.0f) & under));
  const float fx = xc * 1.44269504088896341f + 0.5f;
  int32_t n = static_cast<int32_t>(fx);
  n -= static_cast<float>(n) > fx ? 1 : 0;  // floor, without SSE4.1's roundps
  const float fn = static_cast<float>(n);
  const float r = xc - fn * 0.693359375f + fn * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float result = p * __builtin_bit_cast(float, (n + 127) << 23);  // n in [-126, 0]
  return __builtin_bit_cast(float, __builtin_bit_cast(int32_t, result) & ~under);
}

// Calls f(offset of the block's first element, width) over blocks of up to kBlock neighbouring
// inner positions (one at a time when inner == 1), blocks spread across threads.
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

inline bool is_finite(float v) { return v - v == 0.0f; }

// The largest of n floats, NaN if any is NaN.
inline float row_max(const float* x, int64_t n) {
  float lanes[kBlock];
  for (int64_t j = 0; j < kBlock; ++j) lanes[j] = x[0];
  int64_t r = 0;
  for (; r + kBlock <= n; r += kBlock) {
#pragma omp simd
    for (int64_t j = 0; j < kBlock; ++j) {
      const float v = x[r + j];
      lanes[j] = v > lanes[j] || v != v ? v : lanes[j];
      lanes[j] = lanes[j] + 0.0f * v;  // a NaN seen in this lane stays
    }
  }
  float m = lanes[0];
  for (int64_t j = 0; j < kBlock; ++j) m = lanes[j] > m || lanes[j] != lanes[j] ? lanes[j] : m;
  for (; r < n; ++r) m = x[r] > m || x[r] != x[r] ? x[r] : m;
  for (int64_t j = 0; j < kBlock; ++j) m = lanes[j] != lanes[j] ? lanes[j] : m;
  return m;
}

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
        const float e = exp_nonpositive(xr[j] - m[j]);
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
    for_each_block(s, [&](int64_t at, int64_t width) { softmax_columns(s, x + at, y + at, width, log); });
    return;
  }
  // Contiguous rows: vectorised along the row.
  for_each_block(s, [&](int64_t at, int64_t) {
    const float* xr = x + at;
    float* yr = y + at;
    const int64_t n = s.reduce;
    const float m = row_max(xr, n);
    if (!is_finite(m)) {  // NaN or inf inside: the plain loop gives PyTorch's NaNs
      softmax_columns(s, xr, yr, 1, log);
      return;
    }
    float total = 0.0f;
    if (log) {
#pragma omp simd reduction(+ : total)
      for (int64_t k = 0; k < n; ++k) total += exp_nonpositive(xr[k] - m);
      const float log_total = std::log(total);
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) yr[k] = (xr[k] - m) - log_total;
    } else {
#pragma omp simd reduction(+ : total)
      for (int64_t k = 0; k < n; ++k) total += (yr[k] = exp_nonpositive(xr[k] - m));
      const float inv = 1.0f / total;
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) yr[k] *= inv;
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
