// Elementwise functions of one float tensor (arithmetic with a scalar, math functions,
// activations), compiled once per instruction set (kernels/cpu/dispatch.hpp). Each op is its own
// loop, the switch outside it, so that every loop vectorises on its own.
#include <cmath>
#include <cstdint>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

#include "kernels/cpu/per_isa/vec_math.hpp"

namespace {

template <typename F>
inline void map(int64_t n, const float* x, float* y, F f) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluCoef = 0.044715f;

}  // namespace

void unary_forward(UnaryOp op, int64_t n, const float* x, float* y, float p, float q) {
  switch (op) {
    case UnaryOp::Affine:
      return map(n, x, y, [=](float v) { return v * p + q; });
    case UnaryOp::DivScalar:
      return map(n, x, y, [=](float v) { return v / p; });
    case UnaryOp::RDivScalar:
      return map(n, x, y, [=](float v) { return p / v; });
    case UnaryOp::Abs:
      return map(n, x, y, [](float v) { return __builtin_fabsf(v); });
    case UnaryOp::Exp:
      return map(n, x, y, [](float v) { return vec_math::exp(v); });
    case UnaryOp::Log:
      return map(n, x, y, [](float v) { return vec_math::log(v); });
    // sqrtps is correctly rounded, as std::sqrt; it vectorises because per_isa/ is compiled with
    // -fno-math-errno (cmake/FoveaDispatch.cmake).
    case UnaryOp::Sqrt:
      return map(n, x, y, [](float v) { return __builtin_sqrtf(v); });
    case UnaryOp::Rsqrt:
      return map(n, x, y, [](float v) { return 1.0f / __builtin_sqrtf(v); });
    case UnaryOp::Square:
      return map(n, x, y, [](float v) { return v * v; });
    case UnaryOp::PowScalar:
      // A general power has no vectorisable form here; std::pow, as PyTorch's scalar fallback.
      for (int64_t i = 0; i < n; ++i) y[i] = std::pow(x[i], p);
      return;
    case UnaryOp::Clamp:
      // Compare-and-select in this order keeps NaN (both comparisons are false) and gives `q`
      // everywhere when p > q, as torch.clamp.
      return map(n, x, y, [=](float v) {
        v = v < p ? p : v;
        return v > q ? q : v;
      });
    case UnaryOp::LeakyRelu:
      return map(n, x, y, [=](float v) { return v > 0.0f ? v : v * p; });
    case UnaryOp::Sigmoid:
      return map(n, x, y, [](float v) { return vec_math::sigmoid(v); });
    case UnaryOp::Tanh:
      return map(n, x, y, [](float v) { return vec_math::tanh(v); });
    case UnaryOp::Gelu:
      return map(n, x, y, [](float v) { return v * vec_math::normal_cdf(v); });
    case UnaryOp::GeluTanh:
      // (1 + tanh(u)) / 2 = sigmoid(2u): the same function without 1 + tanh's cancellation in the
      // negative tail (and one exp instead of tanh's).
      return map(n, x, y, [](float v) {
        const float inner = kSqrt2OverPi * (v + kGeluCoef * v * v * v);
        return v * vec_math::sigmoid(inner + inner);
      });
    case UnaryOp::Silu:
      return map(n, x, y, [](float v) { return v * vec_math::sigmoid(v); });
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
