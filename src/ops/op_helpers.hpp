#pragma once
// Small checks shared by the op families: every shape error names the op and both shapes.
#include <string>

#include "fovea/error.hpp"
#include "fovea/tensor.hpp"

namespace fovea::ops_detail {

inline void check_dim(const Tensor& t, int64_t dim, const char* op, const char* what) {
  if (!t.defined()) throw Error(std::string(op) + ": " + what + " is undefined");
  if (t.dim() != dim)
    throw ShapeError(std::string(op) + ": expected " + what + " with " + std::to_string(dim) +
                     " dimensions, got shape " + to_string(t.shape()));
}

inline void check_same_shape(const Tensor& a, const Tensor& b, const char* op) {
  if (a.shape() != b.shape())
    throw ShapeError(std::string(op) + ": shapes " + to_string(a.shape()) + " and " + to_string(b.shape()) +
                     " differ");
}

}  // namespace fovea::ops_detail
