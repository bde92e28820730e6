// Naive elementwise kernels: one scalar loop per op with std:: math (correctly rounded or close to
// it), the oracle for the vectorised approximations in kernels/cpu/per_isa/unary.cpp and binary.cpp.
#include <cmath>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

namespace {

constexpr double kSqrt2OverPi = 0.79788456080286536;
constexpr double kGeluCoef = 0.044715;

// In double, then rounded once: the reference is closer to the true value than any float formula.
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

float unary(UnaryOp op, float v, float p, float q) {
  const double x = v;
  switch (op) {
    case UnaryOp::Affine:
      return v * p + q;
    case UnaryOp::DivScalar:
      return v / p;
    case UnaryOp::RDivScalar:
      return p / v;
    case UnaryOp::Abs:
      return std::fabs(v);
    case UnaryOp::Exp:
      return static_cast<float>(std::exp(x));
    case UnaryOp::Log:
      return static_cast<float>(std::log(x));
    case UnaryOp::Sqrt:
      return std::sqrt(v);
    case UnaryOp::Rsqrt:
      return 1.0f / std::sqrt(v);
    case UnaryOp::Square:
      return v * v;
    case UnaryOp::PowScalar:
      return std::pow(v, p);
    case UnaryOp::Clamp:
      return std::isnan(v) ? v : std::min(std::max(v, p), q);
    case UnaryOp::LeakyRelu:
      return v > 0.0f ? v : v * p;
    case UnaryOp::Sigmoid:
      return static_cast<float>(sigmoid(x));
    case UnaryOp::Tanh:
      return static_cast<float>(std::tanh(x));
    case UnaryOp::Gelu:
      return static_cast<float>(x * normal_cdf(x));
    case UnaryOp::GeluTanh:  // 0.5 x (1 + tanh(u)) = x sigmoid(2u), without the cancellation
      return static_cast<float>(x * sigmoid(2.0 * kSqrt2OverPi * (x + kGeluCoef * x * x * x)));
    case UnaryOp::Silu:
      return static_cast<float>(x / (1.0 + std::exp(-x)));
  }
  return 0.0f;
}

float binary(BinaryOp op, float av, float bv, float p, float q) {
  const double a = av, g = bv;
  switch (op) {
    case BinaryOp::Add:
      return av + p * bv;
    case BinaryOp::Mul:
      return av * bv;
    case BinaryOp::Div:
      return av / bv;
    case BinaryOp::Maximum:
      return std::isnan(av) || std::isnan(bv) ? NAN : std::max(av, bv);
    case BinaryOp::Minimum:
      return std::isnan(av) || std::isnan(bv) ? NAN : std::min(av, bv);
    case BinaryOp::Pow:
      return std::pow(av, bv);
    // Formulas of the saved output in float, as the kernels: an output never leaves [0, 1] or
    // [-1, 1], so only the special values tell the two apart, and they must agree there.
    case BinaryOp::SigmoidGrad:
      return bv * ((1.0f - av) * av);
    case BinaryOp::TanhGrad:
      return bv * (1.0f - av * av);
    case BinaryOp::GeluGrad:
      return static_cast<float>(g * (normal_cdf(a) + a * normal_pdf(a)));
    case BinaryOp::GeluTanhGrad: {
      const double t = std::tanh(kSqrt2OverPi * (a + kGeluCoef * a * a * a));
      return static_cast<float>(
          g * (0.5 * (1.0 + t) + 0.5 * a * (1.0 - t * t) * kSqrt2OverPi * (1.0 + 3.0 * kGeluCoef * a * a)));
    }
    case BinaryOp::SiluGrad: {
      const double s = sigmoid(a);
      return static_cast<float>(g * s * (1.0 + a * (1.0 - s)));
    }
    case BinaryOp::LeakyReluGrad:
      return av > 0.0f ? bv : bv * p;
    case BinaryOp::AbsGrad:
      return av > 0.0f ? bv : (av < 0.0f ? -bv : 0.0f * bv);
    case BinaryOp::ClampGrad:
      return av >= p && av <= q ? bv : 0.0f;
    case BinaryOp::SqrtGrad:
      return bv / (2.0f * av);
    case BinaryOp::RsqrtGrad:
      return -0.5f * bv * (av * av * av);
  }
  return 0.0f;
}

template <typename T>
bool compare(CompareOp op, T a, T b) {
  switch (op) {
    case CompareOp::Eq:
      return a == b;
    case CompareOp::Ne:
      return a != b;
    case CompareOp::Lt:
      return a < b;
    case CompareOp::Le:
      return a <= b;
    case CompareOp::Gt:
      return a > b;
    case CompareOp::Ge:
      return a >= b;
  }
  return false;
}

}  // namespace

void unary_forward(UnaryOp op, int64_t n, const float* x, float* y, float p, float q) {
  for (int64_t i = 0; i < n; ++i) y[i] = unary(op, x[i], p, q);
}

void binary_forward(BinaryOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step, float* out,
                    float p, float q) {
  for (int64_t i = 0; i < n; ++i) out[i] = binary(op, a[i * a_step], b[i * b_step], p, q);
}

void compare_float(CompareOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step, bool* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = compare(op, a[i * a_step], b[i * b_step]);
}

void compare_int64(CompareOp op, int64_t n, const int64_t* a, int64_t a_step, const int64_t* b, int64_t b_step,
                   bool* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = compare(op, a[i * a_step], b[i * b_step]);
}

}  // namespace fovea::kernels::reference
