// Elementwise math: abs, exp, log, sqrt, rsqrt, pow, clamp, maximum, minimum, where, with their
// gradients as PyTorch defines them at the awkward points (pow at 0, clamp at its bounds,
// maximum at ties).
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
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

// y = kernel(x); the gradient is the kernel op `grad`(saved, g), saved being y or x.
Tensor pointwise(const Tensor& x, const char* op, const char* node, UnaryOp forward, BinaryOp grad, bool save_output) {
  check_float(x, op);
  Tensor y = ops_detail::unary(x, forward);
  if (needs_graph({&x})) {
    const Tensor saved = save_output ? y.detach() : x.detach();
    record(
        y, node, {x},
        [saved, grad](const Tensor& g) { return std::vector<Tensor>{ops_detail::binary(saved, g, grad, "backward")}; },
        {saved});
  }
  return y;
}

}  // namespace

Tensor abs(const Tensor& x) { return pointwise(x, "abs", "AbsBackward", UnaryOp::Abs, BinaryOp::AbsGrad, false); }
Tensor sqrt(const Tensor& x) { return pointwise(x, "sqrt", "SqrtBackward", UnaryOp::Sqrt, BinaryOp::SqrtGrad, true); }
Tensor rsqrt(const Tensor& x) {
  return pointwise(x, "rsqrt", "RsqrtBackward", UnaryOp::Rsqrt, BinaryOp::RsqrtGrad, true);
}
// d e^x = e^x: the output is the gradient's factor.
Tensor exp(const Tensor& x) { return pointwise(x, "exp", "ExpBackward", UnaryOp::Exp, BinaryOp::Mul, true); }

Tensor log(const Tensor& x) {
  check_float(x, "log");
  Tensor y = ops_detail::unary(x, UnaryOp::Log);
  if (needs_graph({&x})) {
    const Tensor saved = x.detach();
    record(y, "LogBackward", {x}, [saved](const Tensor& g) { return std::vector<Tensor>{div(g, saved)}; }, {saved});
  }
  return y;
}

namespace {

// x^e without a graph, with PyTorch's exact forms for the common exponents (x * x, sqrt, ...),
// which are faster than and at least as accurate as pow.
Tensor pow_values(const Tensor& x, float e) {
  if (e == 1.0f) return ops_detail::unary(x, UnaryOp::Affine, 1.0f, -0.0f);
  if (e == 2.0f) return ops_detail::unary(x, UnaryOp::Square);
  if (e == 0.5f) return ops_detail::unary(x, UnaryOp::Sqrt);
  if (e == -0.5f) return ops_detail::unary(x, UnaryOp::Rsqrt);
  if (e == -1.0f) return ops_detail::unary(x, UnaryOp::RDivScalar, 1.0f);
  return ops_detail::unary(x, UnaryOp::PowScalar, e);
}

}  // namespace

Tensor pow(const Tensor& x, float exponent) {
  check_float(x, "pow");
  Tensor y = pow_values(x, exponent);
  if (needs_graph({&x})) {
    const Tensor saved = x.detach();
    record(y, "PowBackward", {x},
           [saved, exponent](const Tensor& g) {
             // d x^e = e x^(e-1); zero for e = 0 (even at x = 0, where x^-1 is inf), as PyTorch.
             if (exponent == 0.0f) return std::vector<Tensor>{zeros(saved.shape())};
             return std::vector<Tensor>{mul(g, mul(pow_values(saved, exponent - 1.0f), exponent))};
           },
           {saved});
  }
  return y;
}

Tensor pow(const Tensor& x, const Tensor& exponent) {
  check_float(x, "pow");
  check_float(exponent, "pow");
  Tensor y = ops_detail::binary(x, exponent, BinaryOp::Pow, "pow");
  if (needs_graph({&x, &exponent})) {
    const Tensor sx = x.detach(), se = exponent.detach(), sy = y.detach();
    record(y, "PowBackward", {x, exponent},
           [sx, se, sy, need_x = x.requires_grad(), need_e = exponent.requires_grad()](const Tensor& g) {
             Tensor grad_x, grad_e;
             if (need_x) {
               // e x^(e-1), zero where e = 0 (PyTorch's pow_backward_self).
               const Tensor d = mul(se, pow(sx, sub(se, 1.0f)));
               grad_x = sum_to(where(eq(se, 0.0f), 0.0f, mul(g, d)), sx.shape());
             }
             if (need_e) {
               // x^e log x, zero where x = 0 and e >= 0 (the limit there; PyTorch's pow_backward_exponent).
               const Tensor d = where(logical_and(eq(sx, 0.0f), ge(se, 0.0f)), 0.0f, mul(sy, log(sx)));
               grad_e = sum_to(mul(g, d), se.shape());
             }
             return std::vector<Tensor>{grad_x, grad_e};
           },
           {sx, se, sy});
  }
  return y;
}

Tensor clamp(const Tensor& x, std::optional<float> min, std::optional<float> max) {
  check_float(x, "clamp");
  FOVEA_CHECK(min || max, ValueError, "clamp: at least one of min and max must be given");
  const float lo = min.value_or(-std::numeric_limits<float>::infinity());
  const float hi = max.value_or(std::numeric_limits<float>::infinity());
  Tensor y = ops_detail::unary(x, UnaryOp::Clamp, lo, hi);
  if (needs_graph({&x})) {
    const Tensor saved = x.detach();
    // The gradient passes where lo <= x <= hi, bounds included, as PyTorch's clamp_backward.
    record(y, "ClampBackward", {x},
           [saved, lo, hi](const Tensor& g) {
             return std::vector<Tensor>{ops_detail::binary(saved, g, BinaryOp::ClampGrad, "backward", lo, hi)};
           },
           {saved});
  }
  return y;
}

namespace {

// maximum (larger = true) or minimum. The gradient goes to the chosen input, split in half at ties,
// as PyTorch's: where(a == b, g / 2, g), zeroed for the input not chosen. A NaN compares false
// both ways, so both inputs get g there.
Tensor extremum(const Tensor& a, const Tensor& b, bool larger) {
  const char* op = larger ? "maximum" : "minimum";
  check_float(a, op);
  check_float(b, op);
  Tensor out = ops_detail::binary(a, b, larger ? BinaryOp::Maximum : BinaryOp::Minimum, op);
  if (needs_graph({&a, &b})) {
    const Tensor sa = a.detach(), sb = b.detach();
    record(out, larger ? "MaximumBackward" : "MinimumBackward", {a, b},
           [sa, sb, larger](const Tensor& g) {
             const Tensor split = where(eq(sa, sb), mul(g, 0.5f), g);
             const Tensor a_loses = larger ? lt(sa, sb) : gt(sa, sb);
             const Tensor b_loses = larger ? gt(sa, sb) : lt(sa, sb);
             return std::vector<Tensor>{sum_to(where(a_loses, 0.0f, split), sa.shape()),
                                        sum_to(where(b_loses, 0.0f, split), sb.shape())};
           },
           {sa, sb});
  }
  return out;
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(a, b, false); }

// ---- where ----

namespace {

template <typename T>
void select_rows(const Tensor& out, const Tensor& c, const Tensor& a, const Tensor& b) {
  ops_detail::for_each_row<4>(
      out, {out, c, a, b}, [](const std::array<char*, 4>& p, const std::array<int64_t, 4>& s, int64_t n) {
        constexpr int64_t size = sizeof(T);
        if (s[0] == size && s[1] == 1 && s[2] == size && s[3] == size) {
          // Consecutive operands (the common case): a loop the compiler vectorises, split across
          // threads when the row is long.
          ops_detail::split_row(n, [&](int64_t lo, int64_t hi) {
            // Bits chosen by a mask, not `c ? x : y`, which GCC compiles to a branch, mispredicted
            // half the time on a random mask (6 ns an element instead of under 1).
            using U =
                std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
            U* o = reinterpret_cast<U*>(p[0]);
            const uint8_t* cond = reinterpret_cast<const uint8_t*>(p[1]);
            const U* x = reinterpret_cast<const U*>(p[2]);
            const U* y = reinterpret_cast<const U*>(p[3]);
            for (int64_t i = lo; i < hi; ++i) {
              const U mask = static_cast<U>(U{0} - static_cast<U>(cond[i]));
              o[i] = static_cast<U>((x[i] & mask) | (y[i] & static_cast<U>(~mask)));
            }
          });
          return;
        }
        for (int64_t i = 0; i < n; ++i)
          *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                       ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                       : *reinterpret_cast<const T*>(p[3] + i * s[3]);
      });
}

// The dtype two tensors combine to, as PyTorch's type promotion among fovea's three.
Dtype promote(Dtype a, Dtype b) {
  if (a == kFloat32 || b == kFloat32) return kFloat32;
  if (a == kInt64 || b == kInt64) return kInt64;
  return kBool;
}

}  // namespace

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  FOVEA_CHECK(condition.defined() && a.defined() && b.defined(), Error, "where: an argument is undefined");
  FOVEA_CHECK(condition.dtype() == kBool, TypeError, "where: the condition must be a bool tensor, got ",
              to_string(condition.dtype()));
  const Shape shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  const Dtype dtype = promote(a.dtype(), b.dtype());
  const Tensor ca = a.to(dtype), cb = b.to(dtype);
  Tensor out = Tensor::empty(shape, dtype);
  switch (dtype) {
    case Dtype::Float32:
      select_rows<float>(out, condition, ca, cb);
      break;
    case Dtype::Int64:
      select_rows<int64_t>(out, condition, ca, cb);
      break;
    case Dtype::Bool:
      select_rows<bool>(out, condition, ca, cb);
      break;
  }
  if (dtype == kFloat32 && needs_graph({&ca, &cb})) {
    const Tensor c = condition.detach();
    record(out, "WhereBackward", {ca, cb},
           [c, shape_a = a.shape(), shape_b = b.shape(), need_a = ca.requires_grad(),
            need_b = cb.requires_grad()](const Tensor& g) {
             return std::vector<Tensor>{need_a ? sum_to(where(c, g, 0.0f), shape_a) : Tensor(),
                                        need_b ? sum_to(where(c, 0.0f, g), shape_b) : Tensor()};
           },
           {c});
  }
  return out;
}

// A scalar makes the result float32, as a Python float does in torch.where.
Tensor where(const Tensor& condition, const Tensor& a, float b) {
  FOVEA_CHECK(a.defined(), Error, "where: an argument is undefined");
  return where(condition, a.to(kFloat32), full({}, b));
}

Tensor where(const Tensor& condition, float a, const Tensor& b) {
  FOVEA_CHECK(b.defined(), Error, "where: an argument is undefined");
  return where(condition, full({}, a), b.to(kFloat32));
}

}  // namespace fovea
