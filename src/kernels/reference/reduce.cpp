// Naive reductions over [outer, reduce, inner]: one output at a time, element by element, in
// double. The oracle for kernels/cpu/per_isa/reduce.cpp and softmax_dim.cpp.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

namespace {

double at(const ReduceShape& s, const float* x, int64_t o, int64_t r, int64_t i) {
  return x[(o * s.reduce + r) * s.inner + i];
}

double mean_of(const ReduceShape& s, const float* x, int64_t o, int64_t i) {
  double total = 0.0;
  for (int64_t r = 0; r < s.reduce; ++r) total += at(s, x, o, r, i);
  return total / double(s.reduce);
}

template <bool Min>
void extremum(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t best = 0;
      for (int64_t r = 1; r < s.reduce; ++r) {
        const double v = at(s, x, o, r, i), b = at(s, x, o, best, i);
        if (std::isnan(b)) break;
        if (std::isnan(v) || (Min ? v < b : v > b)) best = r;
      }
      values[o * s.inner + i] = float(at(s, x, o, best, i));
      if (indices) indices[o * s.inner + i] = best;
    }
}

}  // namespace

void sum_reduce(const ReduceShape& s, const float* x, float* out, bool mean) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double total = 0.0;
      for (int64_t r = 0; r < s.reduce; ++r) total += at(s, x, o, r, i);
      out[o * s.inner + i] = float(mean ? total / double(s.reduce) : total);
    }
}

void sum_reduce_int64(const ReduceShape& s, const int64_t* x, int64_t* out) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t total = 0;
      for (int64_t r = 0; r < s.reduce; ++r) total += x[(o * s.reduce + r) * s.inner + i];
      out[o * s.inner + i] = total;
    }
}

void var_reduce(const ReduceShape& s, const float* x, float* out, double correction, bool take_sqrt) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const double mean = mean_of(s, x, o, i);
      double m2 = 0.0;
      for (int64_t r = 0; r < s.reduce; ++r) m2 += (at(s, x, o, r, i) - mean) * (at(s, x, o, r, i) - mean);
      const double v = m2 / std::max(0.0, double(s.reduce) - correction);
      out[o * s.inner + i] = float(take_sqrt ? std::sqrt(v) : v);
    }
}

void var_backward(const ReduceShape& s, const float* x, const float* grad_out, const float* std_out,
                  double correction, float* grad_x) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const int64_t k = o * s.inner + i;
      const double mean = mean_of(s, x, o, i);
      double scale = 2.0 * grad_out[k] / (double(s.reduce) - correction);
      if (std_out) scale = std_out[k] == 0.0f ? 0.0 : scale / (2.0 * std_out[k]);
      for (int64_t r = 0; r < s.reduce; ++r)
        grad_x[(o * s.reduce + r) * s.inner + i] = float(scale * (at(s, x, o, r, i) - mean));
    }
}

void max_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  extremum<false>(s, x, values, indices);
}
void min_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  extremum<true>(s, x, values, indices);
}

void index_reduce_backward(const ReduceShape& s, const int64_t* indices, const float* grad_out, float* grad_x) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t r = 0; r < s.reduce; ++r)
      for (int64_t i = 0; i < s.inner; ++i)
        grad_x[(o * s.reduce + r) * s.inner + i] = indices[o * s.inner + i] == r ? grad_out[o * s.inner + i] : 0.0f;
}

void spread_to_extremum_backward(int64_t n, const float* x, float value, float grad, float* grad_x) {
  auto chosen = [&](float v) { return std::isnan(value) ? std::isnan(v) : v == value; };
  int64_t count = 0;
  for (int64_t k = 0; k < n; ++k) count += chosen(x[k]);
  for (int64_t k = 0; k < n; ++k) grad_x[k] = chosen(x[k]) ? grad / float(count) : 0.0f;
}

void logsumexp_reduce(const ReduceShape& s, const float* x, float* out) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double m = -std::numeric_limits<double>::infinity();
      bool nan = false;
      for (int64_t r = 0; r < s.reduce; ++r) {
        nan |= std::isnan(at(s, x, o, r, i));
        m = std::max(m, at(s, x, o, r, i));
      }
      if (std::isinf(m)) m = 0.0;
      double total = 0.0;
      for (int64_t r = 0; r < s.reduce; ++r) total += std::exp(at(s, x, o, r, i) - m);
      out[o * s.inner + i] = nan ? std::numeric_limits<float>::quiet_NaN() : float(std::log(total) + m);
    }
}

void logsumexp_backward(const ReduceShape& s, const float* x, const float* out, const float* grad_out,
                        float* grad_x) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t r = 0; r < s.reduce; ++r)
      for (int64_t i = 0; i < s.inner; ++i)
        grad_x[(o * s.reduce + r) * s.inner + i] =
            float(grad_out[o * s.inner + i] * std::exp(at(s, x, o, r, i) - out[o * s.inner + i]));
}

void softmax_forward(const ReduceShape& s, const float* x, float* y, bool log) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double m = at(s, x, o, 0, i);
      for (int64_t r = 1; r < s.reduce; ++r) m = std::max(m, at(s, x, o, r, i));
      double total = 0.0;
      for (int64_t r = 0; r < s.reduce; ++r) total += std::exp(at(s, x, o, r, i) - m);
      for (int64_t r = 0; r < s.reduce; ++r) {
        const double shifted = at(s, x, o, r, i) - m;
        y[(o * s.reduce + r) * s.inner + i] = float(log ? shifted - std::log(total) : std::exp(shifted) / total);
      }
    }
}

void softmax_backward(const ReduceShape& s, const float* y, const float* grad_y, float* grad_x, bool log) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double total = 0.0;
      for (int64_t r = 0; r < s.reduce; ++r)
        total += log ? at(s, grad_y, o, r, i) : at(s, grad_y, o, r, i) * at(s, y, o, r, i);
      for (int64_t r = 0; r < s.reduce; ++r) {
        const double g = at(s, grad_y, o, r, i), v = at(s, y, o, r, i);
        grad_x[(o * s.reduce + r) * s.inner + i] = float(log ? g - std::exp(v) * total : v * (g - total));
      }
    }
}

}  // namespace fovea::kernels::reference
