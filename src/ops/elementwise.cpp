// Elementwise arithmetic with broadcasting (add, sub, mul, div, their scalar forms and operators),
// with their gradients. The in-place forms are in inplace.cpp, math functions in math.cpp.
//
// Arithmetic takes float32 tensors only (TypeError otherwise). PyTorch also adds int64 tensors
// (with type promotion); fovea's integer tensors are labels and indices, which nothing here needs
// to add, so that is left out until a use appears.
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "ops/elementwise_loop.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using kernels::BinaryOp;
using kernels::UnaryOp;
using ops_detail::check_float;

namespace {

Tensor add_impl(const Tensor& a, const Tensor& b, float alpha, const char* op, const char* node) {
  check_float(a, op);
  check_float(b, op);
  Tensor out = ops_detail::binary(a, b, BinaryOp::Add, op, alpha);
  if (needs_graph({&a, &b})) {
    const Shape sa = a.shape(), sb = b.shape();
    record(out, node, {a, b}, [sa, sb, alpha](const Tensor& g) {
      return std::vector<Tensor>{sum_to(g, sa), sum_to(alpha == 1.0f ? g : mul(g, alpha), sb)};
    });
  }
  return out;
}

// x * p + q for a float32 x, with the gradient g * p.
Tensor affine(const Tensor& x, float p, float q, const char* op, const char* node) {
  check_float(x, op);
  Tensor out = ops_detail::unary(x, UnaryOp::Affine, p, q);
  if (needs_graph({&x})) {
    if (p == 1.0f)
      record(out, node, {x}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
    else
      record(out, node, {x}, [p](const Tensor& g) { return std::vector<Tensor>{mul(g, p)}; });
  }
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, float alpha) { return add_impl(a, b, alpha, "add", "AddBackward"); }
Tensor sub(const Tensor& a, const Tensor& b, float alpha) { return add_impl(a, b, -alpha, "sub", "SubBackward"); }

Tensor mul(const Tensor& a, const Tensor& b) {
  check_float(a, "mul");
  check_float(b, "mul");
  Tensor out = ops_detail::binary(a, b, BinaryOp::Mul, "mul");
  if (needs_graph({&a, &b})) {
    const bool need_a = a.requires_grad(), need_b = b.requires_grad();
    // Only what a needed gradient reads is kept (and version-checked): b for a's, a for b's.
    const Tensor sa = need_b ? a.detach() : Tensor(), sb = need_a ? b.detach() : Tensor();
    std::vector<Tensor> saved;
    if (need_b) saved.push_back(sa);
    if (need_a) saved.push_back(sb);
    record(
        out, "MulBackward", {a, b},
        [sa, sb, shape_a = a.shape(), shape_b = b.shape()](const Tensor& g) {
          return std::vector<Tensor>{sb.defined() ? sum_to(mul(g, sb), shape_a) : Tensor(),
                                     sa.defined() ? sum_to(mul(g, sa), shape_b) : Tensor()};
        },
        saved);
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  check_float(a, "div");
  check_float(b, "div");
  Tensor out = ops_detail::binary(a, b, BinaryOp::Div, "div");
  if (needs_graph({&a, &b})) {
    const bool need_b = b.requires_grad();
    const Tensor sa = need_b ? a.detach() : Tensor(), sb = b.detach();
    std::vector<Tensor> saved{sb};
    if (need_b) saved.push_back(sa);
    record(
        out, "DivBackward", {a, b},
        [sa, sb, shape_a = a.shape(), shape_b = b.shape()](const Tensor& g) {
          // d(a/b)/db = -a / b^2, as PyTorch computes it: -g * a / (b * b).
          Tensor gb = sa.defined() ? sum_to(neg(div(mul(g, sa), mul(sb, sb))), shape_b) : Tensor();
          return std::vector<Tensor>{sum_to(div(g, sb), shape_a), gb};
        },
        saved);
  }
  return out;
}

Tensor add(const Tensor& a, float s) { return affine(a, 1.0f, s, "add", "AddBackward"); }
Tensor sub(const Tensor& a, float s) { return affine(a, 1.0f, -s, "sub", "SubBackward"); }
// + (-0.0), not + 0.0: x * s + 0 would turn a product of -0 into +0.
Tensor mul(const Tensor& a, float s) { return affine(a, s, -0.0f, "mul", "MulBackward"); }
Tensor rsub(const Tensor& a, float s) { return affine(a, -1.0f, s, "rsub", "RsubBackward"); }
Tensor neg(const Tensor& x) { return affine(x, -1.0f, -0.0f, "neg", "NegBackward"); }

Tensor div(const Tensor& a, float s) {
  check_float(a, "div");
  // a / s, not a * (1 / s): the quotient correctly rounded, as PyTorch's.
  Tensor out = ops_detail::unary(a, UnaryOp::DivScalar, s);
  if (needs_graph({&a}))
    record(out, "DivBackward", {a}, [s](const Tensor& g) { return std::vector<Tensor>{div(g, s)}; });
  return out;
}

// s / a: the gradient -s / a^2 is -g * out / a.
static Tensor rdiv(float s, const Tensor& a) {
  check_float(a, "div");
  Tensor out = ops_detail::unary(a, UnaryOp::RDivScalar, s);
  if (needs_graph({&a})) {
    const Tensor x = a.detach(), y = out.detach();
    record(out, "DivBackward", {a}, [x, y](const Tensor& g) { return std::vector<Tensor>{neg(div(mul(g, y), x))}; },
           {x, y});
  }
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, float s) { return add(a, s); }
Tensor operator-(const Tensor& a, float s) { return sub(a, s); }
Tensor operator*(const Tensor& a, float s) { return mul(a, s); }
Tensor operator/(const Tensor& a, float s) { return div(a, s); }
Tensor operator+(float s, const Tensor& a) { return add(a, s); }
Tensor operator-(float s, const Tensor& a) { return rsub(a, s); }
Tensor operator*(float s, const Tensor& a) { return mul(a, s); }
Tensor operator/(float s, const Tensor& a) { return rdiv(s, a); }
Tensor operator-(const Tensor& a) { return neg(a); }

// In place, as Python's `a += b` on tensors.
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, float s) { return a.add_(s); }
Tensor& operator-=(Tensor& a, float s) { return a.sub_(s); }
Tensor& operator*=(Tensor& a, float s) { return a.mul_(s); }
Tensor& operator/=(Tensor& a, float s) { return a.div_(s); }

}  // namespace fovea
