// Elementwise arithmetic with broadcasting, in-place variants, and ReLU, with their gradients.
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/strided_loop.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using ops_detail::check_float;

namespace {

// out[i] = f(a[i], b[i]) over the broadcast shape (float32).
template <typename F>
Tensor binary(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_float(a, op);
  check_float(b, op);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op));
  ops_detail::for_each_row<3>(out, {out, a, b}, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<float*>(p[0] + i * s[0]) =
          f(*reinterpret_cast<const float*>(p[1] + i * s[1]), *reinterpret_cast<const float*>(p[2] + i * s[2]));
  });
  return out;
}

template <typename F>
Tensor unary(const Tensor& x, const char* op, F f) {
  check_float(x, op);
  Tensor out = Tensor::empty(x.shape());
  ops_detail::for_each_row<2>(out, {out, x}, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<float*>(p[0] + i * s[0]) = f(*reinterpret_cast<const float*>(p[1] + i * s[1]));
  });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, float alpha) {
  Tensor out = binary(a, b, "add", [alpha](float x, float y) { return x + alpha * y; });
  if (needs_graph({&a, &b})) {
    const Shape sa = a.shape(), sb = b.shape();
    record(out, "AddBackward", {a, b}, [sa, sb, alpha](const Tensor& g) {
      return std::vector<Tensor>{sum_to(g, sa), sum_to(alpha == 1.0f ? g : mul(g, alpha), sb)};
    });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, float alpha) { return add(a, b, -alpha); }

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "mul", [](float x, float y) { return x * y; });
  if (needs_graph({&a, &b})) {
    const Shape sa = a.shape(), sb = b.shape();
    record(
        out, "MulBackward", {a, b},
        [a, b, sa, sb](const Tensor& g) {
          return std::vector<Tensor>{b.requires_grad() || a.requires_grad() ? sum_to(mul(g, b), sa) : Tensor(),
                                     sum_to(mul(g, a), sb)};
        },
        {a, b});
  }
  return out;
}

Tensor mul(const Tensor& a, float s) {
  Tensor out = unary(a, "mul", [s](float x) { return x * s; });
  if (needs_graph({&a}))
    record(out, "MulScalarBackward", {a}, [s](const Tensor& g) { return std::vector<Tensor>{mul(g, s)}; });
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator*(const Tensor& a, float s) { return mul(a, s); }

namespace {

// out[i] = cmp(a[i], b[i]) as bool, over the broadcast shape; any dtypes, compared as float.
template <typename Cmp>
Tensor compare(const Tensor& a, const Tensor& b, const char* op, Cmp cmp) {
  const Tensor fa = a.to(kFloat32), fb = b.to(kFloat32);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op), kBool);
  ops_detail::for_each_row<3>(out, {out, fa, fb}, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<bool*>(p[0] + i * s[0]) =
          cmp(*reinterpret_cast<const float*>(p[1] + i * s[1]), *reinterpret_cast<const float*>(p[2] + i * s[2]));
  });
  return out;
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(a, b, "eq", [](float x, float y) { return x == y; }); }

Tensor ops_detail::relu_grad(const Tensor& y, const Tensor& g) {
  if (!kernels::cpu::same_layout(blocked::layout_of(g), blocked::layout_of(y)) || !g.is_contiguous()) {
    Tensor gc = g.contiguous();
    Tensor gx = Tensor::empty(y.shape());
    kernels::cpu::relu_backward(y.numel(), y.data(), gc.data(), gx.data());
    return gx;
  }
  // In place when the engine's handle is the only one on this gradient (the common case): one
  // buffer the size of the activation fewer.
  const bool sole_owner = g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1;
  Tensor gx = sole_owner ? g : blocked::empty(y.shape(), y.impl()->backend_layout);
  kernels::cpu::relu_backward(blocked::storage_floats(y), blocked::raw_data(y), blocked::raw_data(g),
                              blocked::raw_data(gx));
  return gx;
}

Tensor relu(const Tensor& input) {
  check_float(input, "relu");
  const Tensor x = input.contiguous();
  // Elementwise, so any layout will do: the output keeps the input's (padding stays zero).
  Tensor y = blocked::empty(x.shape(), x.impl()->backend_layout);
  kernels::cpu::relu_forward(blocked::storage_floats(x), blocked::raw_data(x), blocked::raw_data(y));
  if (needs_graph({&x})) {
    // Save the output, not the input: y > 0 exactly where x > 0, and y is needed anyway downstream.
    Tensor saved = y.detach();
    record(
        y, "ReluBackward", {x}, [saved](const Tensor& g) { return std::vector<Tensor>{ops_detail::relu_grad(saved, g)}; },
        {saved});
  }
  return y;
}

// ---- in place ----

namespace {

// PyTorch's rules for writing into `t` in place while grad mode is on: never into a leaf that
// requires grad, and never through a view whose base is in a graph (the base's graph would have
// to be rewritten; fovea refuses it rather than return a wrong gradient).
void check_inplace(const Tensor& t, const char* op) {
  if (!grad_mode_enabled()) return;
  FOVEA_CHECK(!(t.is_leaf() && t.requires_grad()), Error, op,
              ": a leaf tensor that requires grad is being used in an in-place operation (wrap the update in "
              "NoGradGuard, or work on a clone)");
  FOVEA_CHECK(!t.impl()->is_graph_view, Error, op,
              ": in-place operation on a view of a tensor that is part of a graph; use the out-of-place op, or "
              "clone() the view first");
}

// Makes `self` the output of `node_name`: the old self (with its old graph) becomes the node's
// first input, as PyTorch rebases the grad_fn of a tensor modified in place.
Tensor previous_version(const Tensor& self) {
  Tensor old = self.detach();
  old.impl()->requires_grad = self.requires_grad();
  old.impl()->grad_fn = self.grad_fn();
  return old;
}

// Writes `result` (computed out of place, shape of self) into self and rebases self's graph on
// result's: the in-place op has the gradient of the out-of-place one.
Tensor& assign_result(Tensor& self, const Tensor& result, const char* op) {
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

}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  broadcast_shapes(shape(), src.shape(), "copy_");
  FOVEA_CHECK(src.dim() <= dim() && broadcast_shapes(shape(), src.shape(), "copy_") == shape(), ShapeError,
              "copy_: source of shape ", to_string(src.shape()), " does not broadcast to the destination's shape ",
              to_string(shape()));
  if (!needs_graph({this, &src}) || dtype() != kFloat32) {
    detail::copy_elements(*this, src);
    detail::bump_version(*this);
    return *this;
  }
  Tensor result = add(mul(previous_version(*this), 0.0f), src.to(kFloat32));
  return assign_result(*this, result, "copy_");
}

Tensor& Tensor::fill_(float value) {
  check_inplace(*this, "fill_");
  detail::copy_elements(*this, full({}, value, dtype()));
  detail::bump_version(*this);
  if (requires_grad() && grad_mode_enabled()) assign_result(*this, mul(previous_version(*this), 0.0f), "fill_");
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0.0f); }

Tensor& Tensor::add_(const Tensor& other, float alpha) {
  check_inplace(*this, "add_");
  if (!needs_graph({this, &other}) && other.shape() == shape() && kernels::cpu::same_layout(blocked::layout_of(*this), blocked::layout_of(other))) {
    // Optimizer updates and gradient sums: same shape, possibly the same blocked layout.
    if (layout() == Layout::Blocked || (is_contiguous() && other.is_contiguous())) {
      float* a = blocked::raw_data(*this);
      const float* b = blocked::raw_data(other);
      for (int64_t i = 0, n = blocked::storage_floats(*this); i < n; ++i) a[i] += alpha * b[i];
      detail::bump_version(*this);
      return *this;
    }
  }
  return assign_result(*this, add(needs_graph({this}) ? previous_version(*this) : detach(), other, alpha), "add_");
}

Tensor& Tensor::mul_(float value) {
  check_inplace(*this, "mul_");
  return assign_result(*this, mul(needs_graph({this}) ? previous_version(*this) : detach(), value), "mul_");
}

}  // namespace fovea
