// The work split of a fused optimizer step (optim.cpp, adam.cpp, rmsprop.cpp): the elements of
// all the step's parameters, taken in order as if concatenated, cut into one equal share per
// thread, inside one parallel region. A share may end inside one parameter and go on in the next;
// the update is elementwise, so where the cuts fall never changes a result.
//
// Included INSIDE a per-ISA namespace, so that each instruction set gets its own copy
// (dispatch.hpp's rule). Needs <omp.h>.

// Calls update(params[i], lo, hi) for the pieces [lo, hi) of each parameter that fall in elements
// [begin, end) of the concatenation. P has an `n` (its element count).
template <typename P, typename F>
inline void fused_span(int64_t count, const P* params, int64_t begin, int64_t end, F update) noexcept {
  int64_t offset = 0;
  for (int64_t i = 0; i < count && offset < end; offset += params[i].n, ++i) {
    const int64_t lo = begin > offset ? begin - offset : 0;
    const int64_t hi = end - offset < params[i].n ? end - offset : params[i].n;
    if (lo < hi) update(params[i], lo, hi);
  }
}

// The whole step: one thread below `threshold` elements in all (no region at all), else one
// parallel region whose thread t takes the t-th share, starting on a 64-byte line.
template <typename P, typename F>
inline void fused_update(int64_t count, const P* params, int64_t threshold, F update) noexcept {
  int64_t total = 0;
  for (int64_t i = 0; i < count; ++i) total += params[i].n;
  if (total <= threshold) {
    fused_span(count, params, 0, total, update);
    return;
  }
#pragma omp parallel
  {
    constexpr int64_t kAlign = 16;
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t share = ((total + threads - 1) / threads + kAlign - 1) / kAlign * kAlign;
    const int64_t begin = t * share < total ? t * share : total;
    const int64_t end = begin + share < total ? begin + share : total;
    fused_span(count, params, begin, end, update);
  }
}
