// Elementwise functions of two tensors (arithmetic, maximum/minimum, pow, the activations'
// gradients, comparisons), compiled once per instruction set (kernels/cpu/dispatch.hpp).
//
// Each input steps by 1 or 0 (a broadcast scalar); the four combinations are separate loops, so
// that the common ones (both 1, one of them 0) vectorise with the scalar hoisted.
#include <cmath>
#include <cstdint>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

#include "kernels/cpu/per_isa/vec_math.hpp"

namespace {

template <typename A, typename B, typename O, typename F>
inline void zip(int64_t n, const A* a, int64_t as, const B* b, int64_t bs, O* out, F f) {
  if (as == 1 && bs == 1) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (as == 1) {
    const B bv = *b;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
  } else if (bs == 1) {
    const A av = *a;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
  } else {
    const O v = f(*a, *b);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluCoef = 0.044715f;

}  // namespace

void binary_forward(BinaryOp op, int64_t n, const float* a, int64_t as, const float* b, int64_t bs, float* out, float p,
                    float q) {
  switch (op) {
    case BinaryOp::Add:
      if (p == 1.0f) return zip(n, a, as, b, bs, out, [](float x, float y) { return x + y; });
      return zip(n, a, as, b, bs, out, [=](float x, float y) { return x + p * y; });
    case BinaryOp::Mul:
      return zip(n, a, as, b, bs, out, [](float x, float y) { return x * y; });
    case BinaryOp::Div:
      return zip(n, a, as, b, bs, out, [](float x, float y) { return x / y; });
    // NaN in either wins: `x != x` picks x when it is NaN, and a NaN y fails `x > y`.
    case BinaryOp::Maximum:
      return zip(n, a, as, b, bs, out, [](float x, float y) { return x > y || x != x ? x : y; });
    case BinaryOp::Minimum:
      return zip(n, a, as, b, bs, out, [](float x, float y) { return x < y || x != x ? x : y; });
    case BinaryOp::Pow:
      for (int64_t i = 0; i < n; ++i) out[i] = std::pow(a[i * as], b[i * bs]);
      return;
    case BinaryOp::SigmoidGrad:
      return zip(n, a, as, b, bs, out, [](float y, float g) { return g * ((1.0f - y) * y); });
    case BinaryOp::TanhGrad:
      return zip(n, a, as, b, bs, out, [](float y, float g) { return g * (1.0f - y * y); });
    case BinaryOp::GeluGrad:
      // d/dx x Phi(x) = Phi(x) + x phi(x)
      return zip(n, a, as, b, bs, out,
                 [](float x, float g) { return g * (vec_math::normal_cdf(x) + x * vec_math::normal_pdf(x)); });
    case BinaryOp::GeluTanhGrad:
      // PyTorch's formula with 1 + tanh(u) = 2s and 1 - tanh(u)^2 = 4s(1 - s), s = sigmoid(2u):
      // s + 2x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2), free of cancellation in the tails.
      return zip(n, a, as, b, bs, out, [](float x, float g) {
        const float x2 = x * x;
        const float u2 = 2.0f * kSqrt2OverPi * (x + kGeluCoef * x2 * x);
        float s, c;
        vec_math::sigmoid_pair(u2, s, c);
        // x^2 capped in the last factor: past |x| = 1e5 the s * c before it is 0, and inf * 0
        // would make the gradient NaN instead of 1 (or 0).
        const float x2c = x2 < 1e10f ? x2 : 1e10f;
        return g * (s + 2.0f * (x * (s * c)) * kSqrt2OverPi * (1.0f + 3.0f * kGeluCoef * x2c));
      });
    case BinaryOp::SiluGrad:
      // d/dx x s(x) = s (1 + x (1 - s))
      return zip(n, a, as, b, bs, out, [](float x, float g) {
        float s, c;
        vec_math::sigmoid_pair(x, s, c);
        return g * s * (1.0f + x * c);
      });
    case BinaryOp::LeakyReluGrad:
      return zip(n, a, as, b, bs, out, [=](float x, float g) { return x > 0.0f ? g : g * p; });
    case BinaryOp::AbsGrad:
      return zip(n, a, as, b, bs, out, [](float x, float g) { return x > 0.0f ? g : (x < 0.0f ? -g : 0.0f * g); });
    case BinaryOp::ClampGrad:
      return zip(n, a, as, b, bs, out, [=](float x, float g) { return x >= p && x <= q ? g : 0.0f; });
    case BinaryOp::SqrtGrad:
      return zip(n, a, as, b, bs, out, [](float y, float g) { return g / (y + y); });
    case BinaryOp::RsqrtGrad:
      return zip(n, a, as, b, bs, out, [](float y, float g) { return -0.5f * g * (y * y * y); });
  }
}

namespace {

template <typename T>
void compare(CompareOp op, int64_t n, const T* a, int64_t as, const T* b, int64_t bs, bool* out) {
  switch (op) {
    case CompareOp::Eq:
      return zip(n, a, as, b, bs, out, [](T x, T y) { return x == y; });
    case CompareOp::Ne:
      return zip(n, a, as, b, bs, out, [](T x, T y) { return x != y; });
    case CompareOp::Lt:
      return zip(n, a, as, b, bs, out, [](T x, T y) { return x < y; });
    case CompareOp::Le:
      return zip(n, a, as, b, bs, out, [](T x, T y) { return x <= y; });
    case CompareOp::Gt:
      return zip(n, a, as, b, bs, out, [](T x, T y) { return x > y; });
    case CompareOp::Ge:
      return zip(n, a, as, b, bs, out, [](T x, T y) { return x >= y; });
  }
}

}  // namespace

void compare_float(CompareOp op, int64_t n, const float* a, int64_t as, const float* b, int64_t bs, bool* out) {
  compare(op, n, a, as, b, bs, out);
}

void compare_int64(CompareOp op, int64_t n, const int64_t* a, int64_t as, const int64_t* b, int64_t bs, bool* out) {
  compare(op, n, a, as, b, bs, out);
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
