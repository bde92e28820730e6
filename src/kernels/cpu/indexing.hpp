#pragma once
// Gathering and scattering along one dimension: the loops behind index_select, gather, and their
// gradients (index_add, scatter_add). Plain functions over raw buffers, as kernels.hpp.
//
// Every array is row-major and seen as [outer, size, inner]: `outer` is the product of the sizes
// before the indexed dimension, `inner` of those after it. Indices are int64 and already checked
// to lie in [0, src_size) (first_index_out_of_range). Forward kernels copy elements of any dtype
// (`element_bytes` of 1, 4 or 8); the gradient kernels add float32.
//
// Work is split across threads by (outer, inner) position: every output element, and every
// gradient element an index points at, is written by one thread, in index order, so results do not
// depend on the thread count even when indices repeat.
#include <cstdint>

namespace fovea::kernels::cpu {

struct IndexShape {
  int64_t outer;       // product of the sizes before the indexed dimension
  int64_t src_size;    // the indexed dimension's size in the source
  int64_t index_size;  // its size in the index and the output
  int64_t inner;       // product of the sizes after it
};

// Position of the first index outside [0, size), or -1 when all are inside.
int64_t first_index_out_of_range(int64_t n, const int64_t* index, int64_t size);

// out[a, j, :] = src[a, index[j], :], with index 1-D of s.index_size.
void index_select(const IndexShape& s, int64_t element_bytes, const void* src, const int64_t* index, void* out);
// grad_src[a, index[j], :] += grad_out[a, j, :]: accumulates into grad_src; repeated indices add up.
void index_add(const IndexShape& s, const float* grad_out, const int64_t* index, float* grad_src);

// out[a, j, b] = src[a, index[a, j, b], b], with index and out of shape [outer, index_size, inner].
void gather(const IndexShape& s, int64_t element_bytes, const void* src, const int64_t* index, void* out);
// grad_src[a, index[a, j, b], b] += grad_out[a, j, b]: accumulates into grad_src.
void scatter_add(const IndexShape& s, const float* grad_out, const int64_t* index, float* grad_src);

}  // namespace fovea::kernels::cpu
