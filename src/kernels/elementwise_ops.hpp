#pragma once
// Which elementwise function a row kernel computes (kernels/cpu/kernels.hpp's unary_forward,
// binary_forward, compare_*; their reference twins in kernels/reference/). One kernel per family
// with the op as an argument keeps the dispatch table and the tests to a few entries, while each
// op still gets its own vectorised loop inside the kernel.
#include <cstdint>

namespace fovea::kernels {

enum class UnaryOp : uint8_t {
  Affine,      // x * p + q: neg, scalar add, sub, mul, rsub (exact: one of the two steps is)
  DivScalar,   // x / p
  RDivScalar,  // p / x
  Abs,
  Exp,
  Log,
  Sqrt,
  Rsqrt,      // 1 / sqrt(x)
  Square,     // x * x
  PowScalar,  // pow(x, p)
  Clamp,      // min(max(x, p), q), NaN kept
  LeakyRelu,  // x > 0 ? x : x * p
  Sigmoid,
  Tanh,
  Gelu,      // x * Phi(x) with erfc: 0.5 * x * erfc(-x / sqrt 2)
  GeluTanh,  // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))
  Silu,      // x / (1 + exp(-x))
};
enum class BinaryOp : uint8_t {
  Add,  // a + p * b
  Mul,
  Div,
  Maximum,  // NaN if either is NaN
  Minimum,
  Pow,
  // Gradients of the activations: a is what the forward saved, b the output's gradient.
  SigmoidGrad,    // a = y: b * y * (1 - y)
  TanhGrad,       // a = y: b * (1 - y * y)
  GeluGrad,       // a = x
  GeluTanhGrad,   // a = x
  SiluGrad,       // a = x
  LeakyReluGrad,  // a = x: x > 0 ? b : b * p
  AbsGrad,        // a = x: b * sign(x) (0 at 0)
  ClampGrad,      // a = x: p <= x <= q ? b : 0
  SqrtGrad,       // a = y: b / (2 y)
  RsqrtGrad,      // a = y: -0.5 * b * y^3
};
enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

}  // namespace fovea::kernels
