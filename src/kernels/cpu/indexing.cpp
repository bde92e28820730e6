// Gathering and scattering along one dimension (see indexing.hpp for the layout and the contract).
#include "kernels/cpu/indexing.hpp"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/strided_loop.hpp"

namespace fovea::kernels::cpu {

namespace {

// Splits the (outer, inner) positions, flattened, across threads; body(a, b0, b1) handles inner
// positions [b0, b1) of outer row a. Keeping a thread's positions contiguous keeps its inner loops
// unit-stride.
template <typename Body>
void for_columns(const IndexShape& s, Body body) {
  parallel_for(s.outer * s.inner, s.index_size, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end;) {
      const int64_t a = c / s.inner, b0 = c % s.inner, b1 = std::min(s.inner, b0 + (end - c));
      body(a, b0, b1);
      c += b1 - b0;
    }
  });
}

template <typename T>
void gather_typed(const IndexShape& s, const T* src, const int64_t* index, T* out) {
  for_columns(s, [&](int64_t a, int64_t b0, int64_t b1) {
    const T* src_a = src + a * s.src_size * s.inner;
    for (int64_t j = 0; j < s.index_size; ++j) {
      const int64_t row = (a * s.index_size + j) * s.inner;
      for (int64_t b = b0; b < b1; ++b) out[row + b] = src_a[index[row + b] * s.inner + b];
    }
  });
}

}  // namespace

int64_t first_index_out_of_range(int64_t n, const int64_t* index, int64_t size) {
  for (int64_t i = 0; i < n; ++i)
    if (index[i] < 0 || index[i] >= size) return i;
  return -1;
}

void index_select(const IndexShape& s, int64_t element_bytes, const void* src, const int64_t* index, void* out) {
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(out);
  const auto row_bytes = static_cast<size_t>(s.inner * element_bytes);
  parallel_for(s.outer * s.index_size, s.inner, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t a = r / s.index_size, j = r % s.index_size;
      std::memcpy(to + r * row_bytes, from + (a * s.src_size + index[j]) * row_bytes, row_bytes);
    }
  });
}

void index_add(const IndexShape& s, const float* grad_out, const int64_t* index, float* grad_src) {
  for_columns(s, [&](int64_t a, int64_t b0, int64_t b1) {
    for (int64_t j = 0; j < s.index_size; ++j) {
      const float* g = grad_out + (a * s.index_size + j) * s.inner;
      float* dst = grad_src + (a * s.src_size + index[j]) * s.inner;
      for (int64_t b = b0; b < b1; ++b) dst[b] += g[b];
    }
  });
}

void gather(const IndexShape& s, int64_t element_bytes, const void* src, const int64_t* index, void* out) {
  switch (element_bytes) {
    case 1: return gather_typed(s, static_cast<const uint8_t*>(src), index, static_cast<uint8_t*>(out));
    case 4: return gather_typed(s, static_cast<const uint32_t*>(src), index, static_cast<uint32_t*>(out));
    default: return gather_typed(s, static_cast<const uint64_t*>(src), index, static_cast<uint64_t*>(out));
  }
}

void scatter_add(const IndexShape& s, const float* grad_out, const int64_t* index, float* grad_src) {
  for_columns(s, [&](int64_t a, int64_t b0, int64_t b1) {
    float* dst_a = grad_src + a * s.src_size * s.inner;
    for (int64_t j = 0; j < s.index_size; ++j) {
      const int64_t row = (a * s.index_size + j) * s.inner;
      for (int64_t b = b0; b < b1; ++b) dst_a[index[row + b] * s.inner + b] += grad_out[row + b];
    }
  });
}

}  // namespace fovea::kernels::cpu
