// Reductions over the middle dimension of [outer, reduce, inner] (sum, mean, var, max/min,
// logsumexp) and their backward loops, compiled once per instruction set (kernels/cpu/dispatch.hpp).
//
// Each output is computed by one thread, in one fixed order, so results never depend on the
// thread count. Two loop shapes: when inner > 1, a block of kBlock neighbouring outputs walks the
// reduced rows together (contiguous, vectorised across the block); when inner == 1 each output
// is a contiguous row, summed into kBlock independent lanes. When there are too few outputs to
// keep the threads busy (sum of everything), the reduced dimension is cut into chunks whose size
// depends only on the shape, and the chunks' partial results are combined in order.
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

#include "kernels/cpu/per_isa/vec_math.hpp"
#include "kernels/cpu/per_isa/row_blocks.hpp"

namespace {

constexpr int64_t kMaxChunks = 64;

// Chunks of the reduced dimension for an output: a function of the shape alone.
inline int64_t chunk_count(const ReduceShape& s) {
  if (s.outputs() >= 16 || s.reduce < 2 * kGrain) return 1;
  const int64_t chunks = (s.reduce + kGrain - 1) / kGrain;
  return chunks < kMaxChunks ? chunks : kMaxChunks;
}

// Double sum of x[r * stride] for r in [begin, end).
//
// A contiguous row is added in kLanes float lanes, each lane taking kPerLane elements before it is
// flushed into a double lane: float adds run twice as many to a vector as double ones (PyTorch's
// speed), and a float lane never adds more than kPerLane values, so its rounding error stays
// within kPerLane * 2^-24 of what it holds (1e-6 relative) while the row's total is kept in
// double. The order is fixed by the row alone.
inline double sum_strided(const float* x, int64_t begin, int64_t end, int64_t stride) {
  if (stride == 1) {
    constexpr int64_t kLanes = 32, kPerLane = 32;
    double wide[kLanes] = {};
    float lanes[kLanes] = {};
    int64_t r = begin, taken = 0;
    for (; r + kLanes <= end; r += kLanes) {
#pragma omp simd
      for (int64_t j = 0; j < kLanes; ++j) lanes[j] += x[r + j];
      if (++taken == kPerLane) {
#pragma omp simd
        for (int64_t j = 0; j < kLanes; ++j) {
          wide[j] += static_cast<double>(lanes[j]);
          lanes[j] = 0.0f;
        }
        taken = 0;
      }
    }
#pragma omp simd
    for (int64_t j = 0; j < kLanes; ++j) wide[j] += static_cast<double>(lanes[j]);
    double total = 0.0;
    for (int64_t j = 0; j < kLanes; ++j) total += wide[j];
    for (; r < end; ++r) total += static_cast<double>(x[r]);
    return total;
  }
  double total = 0.0;
  for (int64_t r = begin; r < end; ++r) total += static_cast<double>(x[r * stride]);
  return total;
}

// sums[j] = double sum over r of x[o, r, i0 + j], j < width (width <= kBlock).
inline void block_sums(const ReduceShape& s, const float* x, int64_t o, int64_t i0, int64_t width, double* sums) {
  for (int64_t j = 0; j < kBlock; ++j) sums[j] = 0.0;
  const float* base = x + o * s.reduce * s.inner + i0;
  if (width == kBlock) {
    for (int64_t r = 0; r < s.reduce; ++r) {
      const float* row = base + r * s.inner;
#pragma omp simd
      for (int64_t j = 0; j < kBlock; ++j) sums[j] += static_cast<double>(row[j]);
    }
  } else {
    for (int64_t r = 0; r < s.reduce; ++r)
      for (int64_t j = 0; j < width; ++j) sums[j] += static_cast<double>(base[r * s.inner + j]);
  }
}

// The double sum of output (o, i), cut into chunk_count(s) chunks summed on separate threads.
inline double chunked_sum(const ReduceShape& s, const float* x, int64_t o, int64_t i) {
  const int64_t chunks = chunk_count(s), size = (s.reduce + chunks - 1) / chunks;
  double partial[kMaxChunks];
  const float* base = x + o * s.reduce * s.inner + i;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * size, end = begin + size < s.reduce ? begin + size : s.reduce;
    partial[c] = begin < end ? sum_strided(base, begin, end, s.inner) : 0.0;
  }
  double total = 0.0;
  for (int64_t c = 0; c < chunks; ++c) total += partial[c];
  return total;
}

template <bool Min>
void extremum(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  if (s.inner == 1) {
    const int64_t chunks = chunk_count(s);
    for_each_block(s, [&](int64_t o, int64_t, int64_t) {
      const float* row = x + o * s.reduce;
      // The value first (vectorised: a NaN anywhere makes it NaN), then its first position.
      auto value_of = [&](int64_t begin, int64_t end) { return vector_extremum<Min>(row, begin, end); };
      float best;
      if (chunks > 1) {
        float partial[kMaxChunks];
        const int64_t size = (s.reduce + chunks - 1) / chunks;
#pragma omp parallel for schedule(static)
        for (int64_t c = 0; c < chunks; ++c) {
          const int64_t begin = c * size, end = begin + size < s.reduce ? begin + size : s.reduce;
          partial[c] = begin < end ? value_of(begin, end) : row[0];
        }
        best = partial[0];
        for (int64_t c = 1; c < chunks; ++c)
          if (better<Min>(partial[c], best)) best = partial[c];
      } else {
        best = value_of(0, s.reduce);
      }
      values[o] = best;
      if (indices) {
        int64_t at = 0;
        if (is_nan(best)) {
          while (!is_nan(row[at])) ++at;
        } else {
          while (row[at] != best) ++at;
        }
        indices[o] = at;
      }
    });
    return;
  }
  for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
    float best[kBlock];
    int64_t at[kBlock] = {};
    const float* base = x + o * s.reduce * s.inner + i0;
    for (int64_t j = 0; j < width; ++j) best[j] = base[j];
    for (int64_t r = 1; r < s.reduce; ++r) {
      const float* row = base + r * s.inner;
      for (int64_t j = 0; j < width; ++j)
        if (better<Min>(row[j], best[j])) {
          best[j] = row[j];
          at[j] = r;
        }
    }
    for (int64_t j = 0; j < width; ++j) {
      values[o * s.inner + i0 + j] = best[j];
      if (indices) indices[o * s.inner + i0 + j] = at[j];
    }
  });
}

}  // namespace

void sum_reduce(const ReduceShape& s, const float* x, float* out, bool mean) {
  const double count = static_cast<double>(s.reduce);
  if (chunk_count(s) > 1) {
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t i = 0; i < s.inner; ++i) {
        const double total = chunked_sum(s, x, o, i);
        out[o * s.inner + i] = static_cast<float>(mean ? total / count : total);
      }
    return;
  }
  for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
    if (s.inner == 1) {
      const double total = sum_strided(x + o * s.reduce, 0, s.reduce, 1);
      out[o] = static_cast<float>(mean ? total / count : total);
      return;
    }
    double sums[kBlock];
    block_sums(s, x, o, i0, width, sums);
    for (int64_t j = 0; j < width; ++j)
      out[o * s.inner + i0 + j] = static_cast<float>(mean ? sums[j] / count : sums[j]);
  });
}

void sum_reduce_int64(const ReduceShape& s, const int64_t* x, int64_t* out) {
  const bool parallel = s.outer * s.reduce * s.inner > kGrain && s.outputs() > 1;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t k = 0; k < s.outputs(); ++k) {
    const int64_t o = k / s.inner, i = k % s.inner;
    const int64_t* base = x + o * s.reduce * s.inner + i;
    int64_t total = 0;
    for (int64_t r = 0; r < s.reduce; ++r) total += base[r * s.inner];
    out[k] = total;
  }
}

void var_reduce(const ReduceShape& s, const float* x, float* out, double correction, bool take_sqrt) {
  // Two passes in double (mean, then squared deviations): exact enough for any float input, and
  // PyTorch's results to float rounding.
  const double divisor = static_cast<double>(s.reduce) - correction;
  for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
    const float* base = x + o * s.reduce * s.inner + i0;
    for (int64_t j = 0; j < width; ++j) {
      const double mean = sum_strided(base + j, 0, s.reduce, s.inner) / static_cast<double>(s.reduce);
      double m2 = 0.0;
      for (int64_t r = 0; r < s.reduce; ++r) {
        const double d = static_cast<double>(base[r * s.inner + j]) - mean;
        m2 += d * d;
      }
      // N - correction <= 0 gives nan (0/0) or inf, as PyTorch.
      const double v = m2 / (divisor > 0.0 ? divisor : 0.0);
      out[o * s.inner + i0 + j] = static_cast<float>(take_sqrt ? std::sqrt(v) : v);
    }
  });
}

void var_backward(const ReduceShape& s, const float* x, const float* grad_out, const float* std_out,
                  double correction, float* grad_x) {
  const double divisor = static_cast<double>(s.reduce) - correction;
  for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
    for (int64_t j = 0; j < width; ++j) {
      const int64_t k = o * s.inner + i0 + j;
      const float* base = x + o * s.reduce * s.inner + i0 + j;
      float* gbase = grad_x + o * s.reduce * s.inner + i0 + j;
      const double mean = sum_strided(base, 0, s.reduce, s.inner) / static_cast<double>(s.reduce);
      // d var / dx = 2 (x - mean) / (N - correction); d std = d var / (2 std), 0 where std == 0
      // (PyTorch's std_backward masks it).
      double scale = 2.0 * grad_out[k] / divisor;
      if (std_out) scale = std_out[k] == 0.0f ? 0.0 : scale / (2.0 * std_out[k]);
      for (int64_t r = 0; r < s.reduce; ++r)
        gbase[r * s.inner] = static_cast<float>(scale * (static_cast<double>(base[r * s.inner]) - mean));
    }
  });
}

void max_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  extremum<false>(s, x, values, indices);
}

void min_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  extremum<true>(s, x, values, indices);
}

void index_reduce_backward(const ReduceShape& s, const int64_t* indices, const float* grad_out, float* grad_x) {
  const int64_t n = s.outer * s.reduce * s.inner;
  const bool parallel = n > kGrain;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t o = 0; o < s.outer; ++o) {
    float* g = grad_x + o * s.reduce * s.inner;
    for (int64_t k = 0; k < s.reduce * s.inner; ++k) g[k] = 0.0f;
    for (int64_t i = 0; i < s.inner; ++i) g[indices[o * s.inner + i] * s.inner + i] = grad_out[o * s.inner + i];
  }
}

void spread_to_extremum_backward(int64_t n, const float* x, float value, float grad, float* grad_x) {
  // PyTorch's evenly_distribute_backward: the gradient is shared among the elements equal to the
  // result (the NaNs when it is NaN).
  const bool nan = is_nan(value);
  int64_t count = 0;
  for (int64_t k = 0; k < n; ++k) count += nan ? is_nan(x[k]) : x[k] == value;
  const float share = grad / static_cast<float>(count);
#pragma omp simd
  for (int64_t k = 0; k < n; ++k) grad_x[k] = (nan ? is_nan(x[k]) : x[k] == value) ? share : 0.0f;
}

// log(sum(exp(x))) per output: the maximum m first (NaN wins), then sum(exp(x - m)) with the
// vectorised exp, in float lanes flushed to double every kPerLane rows, as sum_strided does. An
// infinite maximum is not subtracted (inf - inf would be NaN), as PyTorch.
void logsumexp_reduce(const ReduceShape& s, const float* x, float* out) {
  constexpr int64_t kPerLane = 64;
  for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
    const float* base = x + o * s.reduce * s.inner + i0;
    // Lane j walks output j of the block (inner > 1) or every kBlock-th element of the row.
    const int64_t lanes_used = s.inner == 1 ? kBlock : width;
    const int64_t step = s.inner == 1 ? kBlock : s.inner;       // between a lane's elements
    const int64_t count = s.inner == 1 ? s.reduce / kBlock : s.reduce;  // full steps per lane
    float m[kBlock];
    for (int64_t j = 0; j < kBlock; ++j) m[j] = -std::numeric_limits<float>::infinity();
    if (s.inner == 1) {
      const float best = s.reduce > 0 ? vector_extremum<false>(base, 0, s.reduce) : m[0];
      for (int64_t j = 0; j < kBlock; ++j) m[j] = best;
    } else {
      for (int64_t r = 0; r < s.reduce; ++r)
        for (int64_t j = 0; j < width; ++j)
          if (better<false>(base[r * s.inner + j], m[j])) m[j] = base[r * s.inner + j];
    }
    float shift[kBlock];
    for (int64_t j = 0; j < kBlock; ++j) shift[j] = (m[j] - m[j] == 0.0f) ? m[j] : 0.0f;  // finite: subtract
    double total[kBlock] = {};
    if (lanes_used == kBlock) {
      for (int64_t c = 0; c < count; c += kPerLane) {
        const int64_t stop = c + kPerLane < count ? c + kPerLane : count;
        float lanes[kBlock] = {};
        for (int64_t r = c; r < stop; ++r) {
          const float* row = base + r * step;
#pragma omp simd
          for (int64_t j = 0; j < kBlock; ++j) lanes[j] += vec_math::exp(row[j] - shift[j]);
        }
        for (int64_t j = 0; j < kBlock; ++j) total[j] += static_cast<double>(lanes[j]);
      }
    } else {
      for (int64_t r = 0; r < count; ++r)
        for (int64_t j = 0; j < width; ++j) total[j] += static_cast<double>(vec_math::exp(base[r * step + j] - shift[j]));
    }
    if (s.inner == 1) {
      double row_total = 0.0;
      for (int64_t j = 0; j < kBlock; ++j) row_total += total[j];
      for (int64_t r = count * kBlock; r < s.reduce; ++r) row_total += static_cast<double>(vec_math::exp(base[r] - shift[0]));
      out[o] = m[0] != m[0] ? m[0] : static_cast<float>(std::log(row_total) + shift[0]);
      return;
    }
    for (int64_t j = 0; j < width; ++j)
      out[o * s.inner + i0 + j] = m[j] != m[j] ? m[j] : static_cast<float>(std::log(total[j]) + shift[j]);
  });
}

void logsumexp_backward(const ReduceShape& s, const float* x, const float* out, const float* grad_out,
                        float* grad_x) {
  for_each_block(s, [&](int64_t o, int64_t i0, int64_t width) {
    for (int64_t j = 0; j < width; ++j) {
      const int64_t k = o * s.inner + i0 + j;
      const int64_t at = o * s.reduce * s.inner + i0 + j;
      for (int64_t r = 0; r < s.reduce; ++r)
        grad_x[at + r * s.inner] = grad_out[k] * std::exp(x[at + r * s.inner] - out[k]);
    }
  });
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
