#pragma once
// PyTorch's rules for ops that write into a tensor in place (`add_`, `masked_fill_`, ...), shared
// by every op family that has in-place variants. An in-place op computes its result out of place
// on the previous version of the tensor, then writes it back and takes over its graph: the
// gradient of `x.op_(...)` is the gradient of `op(x, ...)`.
#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/tensor.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::ops_detail {

// Never into a leaf that requires grad while grad mode is on, and never through a view whose base
// is in a graph (the base's graph would have to be rewritten; fovea refuses it rather than return
// a wrong gradient).
inline void check_inplace(const Tensor& t, const char* op) {
  if (!grad_mode_enabled()) return;
  FOVEA_CHECK(!(t.is_leaf() && t.requires_grad()), Error, op,
              ": a leaf tensor that requires grad is being used in an in-place operation (wrap the update in "
              "NoGradGuard, or work on a clone)");
  FOVEA_CHECK(!t.impl()->is_graph_view, Error, op,
              ": in-place operation on a view of a tensor that is part of a graph; use the out-of-place op, or "
              "clone() the view first");
}

// `self` as it is before the write, holding its current graph: the input of the out-of-place op
// whose node `self` then takes over, as PyTorch rebases the grad_fn of a tensor modified in place.
inline Tensor previous_version(const Tensor& self) {
  Tensor old = self.detach();
  old.impl()->requires_grad = self.requires_grad();
  old.impl()->grad_fn = self.grad_fn();
  return old;
}

// Writes `result` (computed out of place, of self's shape) into self and rebases self's graph on
// result's.
inline Tensor& assign_result(Tensor& self, const Tensor& result, const char* op) {
  FOVEA_CHECK(result.shape() == self.shape(), ShapeError, op, ": the result of shape ", to_string(result.shape()),
              " does not fit the tensor of shape ", to_string(self.shape()), " written in place");
  detail::copy_elements(self, result);
  detail::bump_version(self);
  if (result.requires_grad() && grad_mode_enabled()) {
    self.impl()->requires_grad = true;
    self.set_grad_fn(result.grad_fn());
  }
  return self;
}

}  // namespace fovea::ops_detail
