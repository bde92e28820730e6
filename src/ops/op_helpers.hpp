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

// The gradient through a ReLU whose output is `y`: `g` where y > 0, else 0. Works in y's backend
// layout when g shares it, and writes into g itself when nothing else holds g (defined in
// elementwise.cpp; used by relu and by the ReLU fused into conv2d_relu).
Tensor relu_grad(const Tensor& y, const Tensor& g);

}  // namespace fovea::ops_detail
