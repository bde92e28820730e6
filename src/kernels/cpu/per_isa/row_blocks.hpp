// Blocks of a [outer, reduce, inner] reduction and the vector maximum of a row, shared by the
// reduction and softmax kernels (reduce.cpp, softmax_dim.cpp).
//
// Included INSIDE a per-ISA namespace, so that each instruction set gets its
// own copy (dispatch.hpp's rule).

constexpr int64_t kBlock = 16;       // neighbouring inner positions walked together (one vector)
constexpr int64_t kGrain = 32768;    // elements per thread below which one thread does it all

inline bool is_nan(float v) { return v != v; }

// Calls f(o, i0, width) over blocks of up to kBlock outputs along inner (width 1 when inner == 1),
// blocks spread across threads.
template <typename F>
inline void for_each_block(const ReduceShape& s, F f) {
  const int64_t width = s.inner == 1 ? 1 : kBlock;
  const int64_t per_outer = (s.inner + width - 1) / width;
  const int64_t blocks = s.outer * per_outer;
  const bool parallel = s.outer * s.reduce * s.inner > kGrain && blocks > 1;
  if (!parallel) {
    // No parallel region at all: one of one thread would keep f's own chunked loops (a single
    // output's reduction split across threads) from running in parallel.
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t o = b / per_outer, i0 = (b % per_outer) * width;
      f(o, i0, s.inner - i0 < width ? s.inner - i0 : width);
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t o = b / per_outer, i0 = (b % per_outer) * width;
    f(o, i0, s.inner - i0 < width ? s.inner - i0 : width);
  }
}

// Whether v replaces best as the maximum (minimum when Min): NaN wins and stays, ties keep the
// first.
template <bool Min>
inline bool better(float v, float best) {
  return !is_nan(best) && ((Min ? v < best : v > best) || is_nan(v));
}

// max(v, best) (min when Min) as one select, NaN ignored: a plain vmaxss/vminss. (Written as
// (Min ? v < best : v > best) ? v : best, GCC moves the floats through integer registers for a
// cmov, 10 cycles a step on the dependency chain of a short row.)
template <bool Min>
inline float pick(float v, float best) {
  if constexpr (Min)
    return v < best ? v : best;
  else
    return v > best ? v : best;
}

// The largest (smallest when Min) of row[begin, end), NaN if any is NaN: plain compare-and-select
// (a vector max over kBlock lanes for long rows), with NaN tracked apart, since a NaN never wins a
// comparison. No branch depends on the data: a classifier's argmax over 10 scores per row would
// otherwise mispredict on every other comparison.
template <bool Min>
inline float vector_extremum(const float* row, int64_t begin, int64_t end) {
  float best = row[begin];
  bool nan = false;
  int64_t r = begin;
  if (end - begin >= kBlock) {
    float lanes[kBlock];
    int32_t nan_seen[kBlock];
    for (int64_t j = 0; j < kBlock; ++j) {
      lanes[j] = row[begin];
      nan_seen[j] = 0;
    }
    for (; r + kBlock <= end; r += kBlock) {
#pragma omp simd
      for (int64_t j = 0; j < kBlock; ++j) {
        const float v = row[r + j];
        lanes[j] = pick<Min>(v, lanes[j]);
        nan_seen[j] |= v != v;
      }
    }
    best = lanes[0];
    for (int64_t j = 0; j < kBlock; ++j) {
      best = pick<Min>(lanes[j], best);
      nan |= nan_seen[j] != 0;
    }
  }
  for (; r < end; ++r) {
    const float v = row[r];
    best = pick<Min>(v, best);
    nan |= v != v;
  }
  return nan ? std::numeric_limits<float>::quiet_NaN() : best;
}
