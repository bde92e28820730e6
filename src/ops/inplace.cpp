// Tensor's in-place methods (fill_, zero_, add_, sub_, mul_, div_, clamp_, relu_, copy_), with
// PyTorch's rules while grad mode is on:
//  * a leaf that requires grad may not be written in place (an optimizer step runs under
//    NoGradGuard);
//  * a tensor saved for a backward and then written in place makes that backward an error (the
//    storage's version counter, checked by Node);
//  * a non-leaf written in place becomes the output of the op: its grad_fn is rebased on the op's
//    node, whose input is the tensor's previous version (with the previous grad_fn).
//
// The gradient is the out-of-place op's: the result is computed out of place from the previous
// version and written back. One trap: the previous version shares self's storage, so an op whose
// backward reads self's old value (mul_ by a tensor that needs a gradient, div_, clamp_) must
// compute from a clone of it, or its own write would (rightly) fail the version check.
//
// Without a graph the ops write straight into self through the same kernels.
#include <algorithm>
#include <limits>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/elementwise_loop.hpp"
#include "ops/inplace.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using kernels::BinaryOp;
using kernels::UnaryOp;
using ops_detail::assign_result;
using ops_detail::check_float;
using ops_detail::check_inplace;
using ops_detail::previous_version;

void ops_detail::check_inplace(const Tensor& t, const char* op) {
  FOVEA_CHECK(t.defined(), Error, op, ": the tensor is undefined");
  if (!grad_mode_enabled()) return;
  FOVEA_CHECK(!(t.is_leaf() && t.requires_grad()), Error, op,
              ": a leaf tensor that requires grad is being used in an in-place operation (wrap the update in "
              "NoGradGuard, or work on a clone)");
  FOVEA_CHECK(!t.impl()->is_graph_view, Error, op,
              ": in-place operation on a view of a tensor that is part of a graph; use the out-of-place op, or "
              "clone() the view first");
}

Tensor ops_detail::previous_version(const Tensor& self) {
  Tensor old = self.detach();
  old.impl()->requires_grad = self.requires_grad();
  old.impl()->grad_fn = self.grad_fn();
  return old;
}

void ops_detail::check_view_stays_out_of_graph(const Tensor& self, bool joins_graph) {
  FOVEA_CHECK(!(joins_graph && self.impl()->is_view), Error,
              "in-place operation on a view (shape ", to_string(self.shape()),
              ") with an operand that requires grad: the tensor it views would not receive the gradient. Build "
              "the result out of place (cat, where, masked_fill, pad), or write into a tensor that is not a view");
}

Tensor& ops_detail::assign_result(Tensor& self, const Tensor& result) {
  const bool joins_graph = result.requires_grad() && grad_mode_enabled();
  check_view_stays_out_of_graph(self, joins_graph);
  detail::copy_elements(self, result);
  detail::bump_version(self);
  if (joins_graph) {
    self.impl()->requires_grad = true;
    self.set_grad_fn(result.grad_fn());
  }
  return self;
}

namespace {

// An expanded tensor repeats elements (stride 0): writing op(x) into each of its positions would
// race and leave one of them, so PyTorch refuses it for every op but fill_.
void check_no_repeats(const Tensor& t, const char* op) {
  if (t.is_contiguous()) return;  // also true of a blocked tensor, whose strides would convert it
  for (int64_t d = 0; d < t.dim(); ++d)
    FOVEA_CHECK(t.stride(d) != 0 || t.size(d) <= 1, ValueError, op,
                ": unsupported operation: more than one element of the written-to tensor (shape ", to_string(t.shape()),
                ", strides ", to_string(t.strides()), ") refers to a single memory location; clone() it first");
}

// The arithmetic ops write float32 results of self's shape: `other` must broadcast to self.
void check_arithmetic(const Tensor& self, const Tensor* other, const char* op) {
  check_inplace(self, op);
  check_float(self, op);
  check_no_repeats(self, op);
  if (!other) return;
  check_float(*other, op);
  const Shape shape = broadcast_shapes(self.shape(), other->shape(), op);
  FOVEA_CHECK(shape == self.shape(), ShapeError, op, ": output with shape ", to_string(self.shape()),
              " doesn't match the broadcast shape ", to_string(shape));
}

// `other` as the op reads it: the previous version when it is self itself (`y.add_(y)`), so that
// the new node does not take self, whose grad_fn it is about to become, as its own input.
Tensor operand(const Tensor& self, const Tensor& old, const Tensor& other) {
  return other.impl() == self.impl() ? old : other;
}

// Whether `other` may be read while self is written element by element: it does not share self's
// storage, or it is self itself (same elements, same order).
bool safe_to_write_through(const Tensor& self, const Tensor& other) {
  if (self.impl()->storage != other.impl()->storage) return true;
  return other.shape() == self.shape() && other.strides() == self.strides() &&
         other.storage_offset() == self.storage_offset();
}

// self = self (op) other, without a graph, in place when that is safe.
Tensor& binary_in_place(Tensor& self, const Tensor& other, BinaryOp op, float p) {
  if (safe_to_write_through(self, other)) {
    ops_detail::binary_into(self, self, other, op, p);
    detail::bump_version(self);
    return self;
  }
  return assign_result(self, ops_detail::binary(self.detach(), other, op, "in-place", p));
}

Tensor& unary_in_place(Tensor& self, UnaryOp op, float p, float q) {
  ops_detail::unary_into(self, self, op, p, q);
  detail::bump_version(self);
  return self;
}

bool graph_needed(const Tensor& self, const Tensor* other) {
  return other ? needs_graph({&self, other}) : needs_graph({&self});
}

Tensor& add_in_place(Tensor& self, const Tensor& other, float alpha, const char* op) {
  check_arithmetic(self, &other, op);
  if (!graph_needed(self, &other)) {
    // Optimizer updates and gradient sums: the same shape, possibly the same blocked layout,
    // added over the raw storage.
    if (other.shape() == self.shape() &&
        kernels::cpu::same_layout(blocked::layout_of(self), blocked::layout_of(other)) &&
        (self.layout() == Layout::Blocked || (self.is_contiguous() && other.is_contiguous())) &&
        self.impl()->storage != other.impl()->storage) {
      float* a = blocked::raw_data(self);
      const float* b = blocked::raw_data(other);
      const int64_t n = blocked::storage_floats(self);
      ops_detail::split_row(n, [&](int64_t lo, int64_t hi) {
        kernels::cpu::binary_forward(BinaryOp::Add, hi - lo, a + lo, 1, b + lo, 1, a + lo, alpha, 0.0f);
      });
      detail::bump_version(self);
      return self;
    }
    return binary_in_place(self, other, BinaryOp::Add, alpha);
  }
  const Tensor old = previous_version(self);
  return assign_result(self, add(old, operand(self, old, other), alpha));
}

}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  FOVEA_CHECK(src.defined(), Error, "copy_: the source is undefined");
  check_no_repeats(*this, "copy_");
  FOVEA_CHECK(src.dim() <= dim() && broadcast_shapes(shape(), src.shape(), "copy_") == shape(), ShapeError,
              "copy_: source of shape ", to_string(src.shape()), " does not broadcast to the destination's shape ",
              to_string(shape()));
  const bool graph = dtype() == kFloat32 && needs_graph({this, &src});
  ops_detail::check_view_stays_out_of_graph(*this, graph);
  Tensor old = graph ? previous_version(*this) : Tensor();
  detail::copy_elements(*this, src);
  detail::bump_version(*this);
  if (graph) {
    // The old values are gone: their gradient is zero (as PyTorch, a zero tensor reaches them),
    // src's is g summed to its shape.
    record(*this, "CopyBackward", {old, operand(*this, old, src)},
           [src_shape = src.shape(), need_src = src.requires_grad()](const Tensor& g) {
             return std::vector<Tensor>{zeros(g.shape()), need_src ? sum_to(g, src_shape) : Tensor()};
           });
  }
  return *this;
}

Tensor& Tensor::fill_(float value) {
  check_inplace(*this, "fill_");
  const bool graph = needs_graph({this});
  Tensor old = graph ? previous_version(*this) : Tensor();
  detail::copy_elements(*this, full({}, value, dtype()));
  detail::bump_version(*this);
  if (graph)
    record(*this, "FillBackward", {old}, [](const Tensor& g) { return std::vector<Tensor>{zeros(g.shape())}; });
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0.0f); }

Tensor& Tensor::add_(const Tensor& other, float alpha) { return add_in_place(*this, other, alpha, "add_"); }
Tensor& Tensor::sub_(const Tensor& other, float alpha) { return add_in_place(*this, other, -alpha, "sub_"); }

Tensor& Tensor::add_(float value) {
  check_arithmetic(*this, nullptr, "add_");
  if (!needs_graph({this})) return unary_in_place(*this, UnaryOp::Affine, 1.0f, value);
  return assign_result(*this, add(previous_version(*this), value));
}

Tensor& Tensor::sub_(float value) { return add_(-value); }

Tensor& Tensor::mul_(const Tensor& other) {
  check_arithmetic(*this, &other, "mul_");
  if (!needs_graph({this, &other})) return binary_in_place(*this, other, BinaryOp::Mul, 1.0f);
  // other's gradient reads self's old value: compute from a copy of it.
  Tensor old = previous_version(*this);
  return assign_result(*this, mul(other.requires_grad() ? old.clone() : old, operand(*this, old, other)));
}

Tensor& Tensor::mul_(float value) {
  check_arithmetic(*this, nullptr, "mul_");
  if (!needs_graph({this})) return unary_in_place(*this, UnaryOp::Affine, value, -0.0f);
  return assign_result(*this, mul(previous_version(*this), value));
}

Tensor& Tensor::div_(const Tensor& other) {
  check_arithmetic(*this, &other, "div_");
  if (!needs_graph({this, &other})) return binary_in_place(*this, other, BinaryOp::Div, 1.0f);
  Tensor old = previous_version(*this);
  return assign_result(*this, div(other.requires_grad() ? old.clone() : old, operand(*this, old, other)));
}

Tensor& Tensor::div_(float value) {
  check_arithmetic(*this, nullptr, "div_");
  if (!needs_graph({this})) return unary_in_place(*this, UnaryOp::DivScalar, value, 0.0f);
  return assign_result(*this, div(previous_version(*this), value));
}

Tensor& Tensor::clamp_(float min, float max) {
  check_arithmetic(*this, nullptr, "clamp_");
  if (!needs_graph({this})) return unary_in_place(*this, UnaryOp::Clamp, min, max);
  // clamp's gradient reads its input: a copy of the old values.
  return assign_result(*this, clamp(previous_version(*this).clone(), min, max));
}

Tensor& Tensor::relu_() {
  check_arithmetic(*this, nullptr, "relu_");
  if (!needs_graph({this})) {
    if (layout() == Layout::Blocked || is_contiguous()) {
      // Any layout: relu is elementwise and keeps a blocked layout's zero padding zero.
      kernels::cpu::relu_forward(blocked::storage_floats(*this), blocked::raw_data(*this), blocked::raw_data(*this));
      detail::bump_version(*this);
      return *this;
    }
    return unary_in_place(*this, UnaryOp::Clamp, 0.0f, std::numeric_limits<float>::infinity());
  }
  // relu saves its own output, a new tensor: the previous version may be its input as it is.
  return assign_result(*this, relu(previous_version(*this)));
}

}  // namespace fovea
