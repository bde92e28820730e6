#pragma once
// How a reduction over a set of dimensions meets its kernel: the input seen as a contiguous
// [outer, reduce, inner] array (permuted first when the reduced dimensions are not adjacent),
// and the shapes of the result with and without the reduced dimensions kept as size 1. Shared by
// src/ops/reduction.cpp and src/ops/softmax.cpp.
#include <vector>

#include "fovea/tensor.hpp"
#include "kernels/shapes.hpp"

namespace fovea::ops_detail {

struct ReducePlan {
  Tensor x;                 // contiguous, detached; the reduced dimensions together
  kernels::ReduceShape s;
  Shape input_shape;
  Shape result_shape;       // what the op returns (keepdim or not)
  Shape keep_shape;         // reduced dimensions as size 1
  Shape permutation;        // empty unless x is a permutation of the input
  int64_t count = 1;        // elements reduced into each output

  // A contiguous [outer, reduce, inner] tensor, laid out as x, returned in the input's shape and
  // order (a gradient).
  Tensor to_input_layout(const Tensor& planned) const;
};

// `dims` empty means all dimensions; each may be negative; a repeated one is a ValueError naming
// `op`, one out of range an IndexError naming the range.
ReducePlan plan_reduce(const Tensor& input, const Shape& dims, bool keepdim, const char* op);

}  // namespace fovea::ops_detail
