// The elementwise row kernels (unary_forward, binary_forward, compare_*) against their std::
// references: every op at lengths that exercise empty, single, vector-remainder and threaded-size
// rows, on random values over each op's useful range and on the special values (signed zeros,
// denormals, infinities, NaN, the overflow and underflow edges of exp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/kernels.hpp"
#include "kernels/reference/reference.hpp"

namespace fovea::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const std::vector<int64_t> kLengths = {0, 1, 17, 1000003};

// Values every op is checked at, beside the random ones.
const std::vector<float> kSpecial = {
    0.0f,    -0.0f,  1e-45f, -1e-45f, 1e-40f, -1e-40f, 1.17549435e-38f, 1e-30f,  1e-7f,    -1e-7f,
    0.5f,    -0.5f,  0.625f, -0.625f, 0.7f,   1.0f,    -1.0f,           1.5f,    2.0f,     -2.0f,
    3.0f,    5.0f,   -5.0f,  9.0f,    -9.0f,  10.0f,   -10.0f,          20.0f,   -20.0f,   87.0f,
    88.7f,   88.72f, 88.73f, 89.0f,   -87.3f, -88.0f,  -100.0f,         -103.0f, -103.97f, -104.0f,
    -110.0f, 1e10f,  -1e10f, 3e38f,   -3e38f, kInf,    -kInf,           kNaN};

// Distance in units in the last place (0 for equal values, both NaN or both the same infinity).
int64_t ulps(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  if (a == b) return 0;
  if (std::isinf(a) || std::isinf(b)) return INT64_MAX;
  auto ordered = [](float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? int64_t{INT32_MIN} - i : int64_t{i};
  };
  return std::llabs(ordered(a) - ordered(b));
}

struct UnaryCase {
  UnaryOp op;
  const char* name;
  float lo, hi;      // range of the random inputs
  int64_t max_ulps;  // allowed distance from the reference (which rounds a double result)
  float p = 0.0f, q = 0.0f;
  // Beyond |x| = tail, tail_ulps: GELU-tanh's argument u = sqrt(2/pi) (x + 0.044715 x^3) is itself
  // rounded to float, and e^2u magnifies that: 1 ulp of u is 2|u| ulps of the result (about 150 at
  // x = -10), in any float formula, PyTorch's included.
  float tail = std::numeric_limits<float>::infinity();
  int64_t tail_ulps = 0;
};

const std::vector<UnaryCase> kUnary = {
    {UnaryOp::Affine, "affine", -10, 10, 0, 1.0f, 2.5f},
    {UnaryOp::Affine, "neg", -10, 10, 0, -1.0f, -0.0f},
    {UnaryOp::DivScalar, "div_scalar", -10, 10, 0, 3.0f},
    {UnaryOp::RDivScalar, "rdiv_scalar", -10, 10, 0, 3.0f},
    {UnaryOp::Abs, "abs", -10, 10, 0},
    {UnaryOp::Exp, "exp", -100, 89, 2},
    {UnaryOp::Log, "log", 0, 1000, 2},
    {UnaryOp::Sqrt, "sqrt", 0, 1000, 0},
    {UnaryOp::Rsqrt, "rsqrt", 0, 1000, 1},
    {UnaryOp::Square, "square", -100, 100, 0},
    {UnaryOp::PowScalar, "pow_scalar", 0, 10, 0, 2.7f},
    {UnaryOp::Clamp, "clamp", -3, 3, 0, -1.0f, 1.5f},
    {UnaryOp::LeakyRelu, "leaky_relu", -3, 3, 0, 0.01f},
    {UnaryOp::Sigmoid, "sigmoid", -30, 30, 4},
    {UnaryOp::Tanh, "tanh", -10, 10, 4},
    {UnaryOp::Gelu, "gelu", -12, 12, 16},
    {UnaryOp::GeluTanh, "gelu_tanh", -12, 12, 16, 0.0f, 0.0f, 3.0f, 400},
    {UnaryOp::Silu, "silu", -30, 30, 4},
};

std::vector<float> random_values(int64_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Within max_ulps of the reference, or, where `scale` is given, within a few float epsilons of
// scale[i]: a result that cancels to near zero (a gradient at the function's turning point, a
// difference of close values) can be no more accurate than its terms, whatever the formula.
void expect_within(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& in,
                   int64_t max_ulps, const std::string& what, const std::vector<float>& scale = {},
                   float tail = std::numeric_limits<float>::infinity(), int64_t tail_ulps = 0) {
  int64_t worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    int64_t d = ulps(got[i], want[i]);
    if (std::fabs(in[i]) > tail && d <= tail_ulps) d = 0;
    const double err = std::fabs(double(got[i]) - want[i]);
    if (!scale.empty() && err <= 8 * 1.2e-7 * scale[i]) d = 0;
    if (err < 1e-42) d = 0;  // denormal results: a product with one has an absolute error
    if (d > worst) worst = d, at = i;
  }
  EXPECT_LE(worst, max_ulps) << what << ": at x = " << in[at] << " got " << got[at] << ", expected " << want[at] << " ("
                             << worst << " ulps)";
}

TEST(KernelElementwise, UnaryMatchesReference) {
  for (const UnaryCase& c : kUnary) {
    for (int64_t n : kLengths) {
      std::vector<float> x = random_values(n, c.lo, c.hi, 7 + static_cast<unsigned>(n));
      std::vector<float> got(x.size()), want(x.size());
      cpu::unary_forward(c.op, n, x.data(), got.data(), c.p, c.q);
      reference::unary_forward(c.op, n, x.data(), want.data(), c.p, c.q);
      expect_within(got, want, x, c.max_ulps, std::string(c.name) + " n=" + std::to_string(n), {}, c.tail, c.tail_ulps);
    }
    std::vector<float> got(kSpecial.size()), want(kSpecial.size());
    const auto n = static_cast<int64_t>(kSpecial.size());
    cpu::unary_forward(c.op, n, kSpecial.data(), got.data(), c.p, c.q);
    reference::unary_forward(c.op, n, kSpecial.data(), want.data(), c.p, c.q);
    expect_within(got, want, kSpecial, c.max_ulps, std::string(c.name) + " special values", {}, c.tail, c.tail_ulps);
  }
}

TEST(KernelElementwise, UnaryInPlace) {
  std::vector<float> x = random_values(1000, -5, 5, 3), want(x.size());
  reference::unary_forward(UnaryOp::Sigmoid, 1000, x.data(), want.data(), 0, 0);
  cpu::unary_forward(UnaryOp::Sigmoid, 1000, x.data(), x.data(), 0, 0);
  expect_within(x, want, want, 4, "sigmoid in place");
}

TEST(KernelElementwise, ExpAndLogEdges) {
  // Exactly as std:: at the edges: overflow to inf, underflow through the denormals to 0.
  const float big[] = {88.72283f, 88.7229f, 100.0f, -87.33654f, -95.0f, -103.2789f, -103.9721f, -104.5f};
  for (float v : big) {
    float got;
    cpu::unary_forward(UnaryOp::Exp, 1, &v, &got, 0, 0);
    EXPECT_LE(ulps(got, static_cast<float>(std::exp(double(v)))), 2) << "exp(" << v << ") = " << got;
  }
  const float logs[] = {0.0f, -0.0f, -1.0f, kInf, 1e-45f, 1e-41f, 1.0f, 2.0f, 0.70710677f, 1.4142135f};
  for (float v : logs) {
    float got;
    cpu::unary_forward(UnaryOp::Log, 1, &v, &got, 0, 0);
    const float want = std::log(v);
    EXPECT_LE(ulps(got, want), 2) << "log(" << v << ") = " << got << ", expected " << want;
  }
}

struct BinaryCase {
  BinaryOp op;
  const char* name;
  float lo, hi;
  int64_t max_ulps;
  float p = 1.0f, q = 0.0f;
};

const std::vector<BinaryCase> kBinary = {
    {BinaryOp::Add, "add", -10, 10, 0},
    {BinaryOp::Add, "add_alpha", -10, 10, 1, -0.3f},
    {BinaryOp::Mul, "mul", -10, 10, 0},
    {BinaryOp::Div, "div", -10, 10, 0},
    {BinaryOp::Maximum, "maximum", -10, 10, 0},
    {BinaryOp::Minimum, "minimum", -10, 10, 0},
    {BinaryOp::Pow, "pow", 0, 4, 0},
    {BinaryOp::SigmoidGrad, "sigmoid_grad", 0, 1, 2},
    {BinaryOp::TanhGrad, "tanh_grad", -1, 1, 4},
    {BinaryOp::GeluGrad, "gelu_grad", -8, 8, 16},
    {BinaryOp::GeluTanhGrad, "gelu_tanh_grad", -8, 8, 16},
    {BinaryOp::SiluGrad, "silu_grad", -20, 20, 16},
    {BinaryOp::LeakyReluGrad, "leaky_relu_grad", -3, 3, 0, 0.2f},
    {BinaryOp::AbsGrad, "abs_grad", -3, 3, 0},
    {BinaryOp::ClampGrad, "clamp_grad", -3, 3, 0, -1.0f, 2.0f},
    {BinaryOp::SqrtGrad, "sqrt_grad", 0.1f, 10, 0},
    {BinaryOp::RsqrtGrad, "rsqrt_grad", 0.1f, 10, 2},
};

TEST(KernelElementwise, BinaryMatchesReferenceForEachStep) {
  for (const BinaryCase& c : kBinary) {
    for (int64_t n : kLengths) {
      const std::vector<float> a = random_values(n, c.lo, c.hi, 11 + static_cast<unsigned>(n));
      const std::vector<float> b = random_values(n, c.lo, c.hi, 13 + static_cast<unsigned>(n));
      for (int steps = 0; steps < 4; ++steps) {
        const int64_t as = steps & 1 ? 0 : 1, bs = steps & 2 ? 0 : 1;
        if (n == 0 && (as == 0 || bs == 0)) continue;  // a repeated scalar needs one element
        std::vector<float> got(a.size()), want(a.size());
        cpu::binary_forward(c.op, n, a.data(), as, b.data(), bs, got.data(), c.p, c.q);
        reference::binary_forward(c.op, n, a.data(), as, b.data(), bs, want.data(), c.p, c.q);
        std::vector<float> scale(a.size());
        for (size_t i = 0; i < a.size(); ++i)
          scale[i] = (std::fabs(a[i * as]) + 1) * (std::fabs(b[i * bs]) + 1) * (std::fabs(c.p) + 1);
        expect_within(
            got, want, a, c.max_ulps,
            std::string(c.name) + " n=" + std::to_string(n) + " steps " + std::to_string(as) + std::to_string(bs),
            scale);
      }
    }
    // Special values against each other (a) and against a gradient of 1.5 (b).
    const auto n = static_cast<int64_t>(kSpecial.size());
    std::vector<float> b(kSpecial.rbegin(), kSpecial.rend()), got(kSpecial.size()), want(kSpecial.size());
    cpu::binary_forward(c.op, n, kSpecial.data(), 1, b.data(), 1, got.data(), c.p, c.q);
    reference::binary_forward(c.op, n, kSpecial.data(), 1, b.data(), 1, want.data(), c.p, c.q);
    // The gradients are products of approximations, so NaN and inf agree but not every last bit
    // where a huge factor meets a tiny one.
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(std::isnan(got[i]), std::isnan(want[i])) << c.name << "(" << kSpecial[i] << ", " << b[i] << ")";
      if (!std::isnan(want[i]) && std::fabs(want[i]) > 1e-30f)
        EXPECT_LE(ulps(got[i], want[i]), c.max_ulps + 16)
            << c.name << "(" << kSpecial[i] << ", " << b[i] << ") = " << got[i] << ", expected " << want[i];
    }
  }
}

TEST(KernelElementwise, MaximumAndMinimumPropagateNaN) {
  const float a[] = {kNaN, 1.0f, kNaN, -kInf};
  const float b[] = {1.0f, kNaN, kNaN, 2.0f};
  float mx[4], mn[4];
  cpu::binary_forward(BinaryOp::Maximum, 4, a, 1, b, 1, mx, 1, 0);
  cpu::binary_forward(BinaryOp::Minimum, 4, a, 1, b, 1, mn, 1, 0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(mx[i]) && std::isnan(mn[i])) << i;
  EXPECT_EQ(mx[3], 2.0f);
  EXPECT_EQ(mn[3], -kInf);
}

TEST(KernelElementwise, ComparisonsMatchReference) {
  const CompareOp ops[] = {CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge};
  for (int64_t n : kLengths) {
    std::vector<float> a = random_values(n, -2, 2, 5), b = random_values(n, -2, 2, 6);
    for (size_t i = 0; i < a.size(); i += 3) b[i] = a[i];  // ties
    if (n > 1) a[1] = kNaN;
    std::vector<int64_t> ia(a.size()), ib(b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ia[i] = (int64_t{1} << 53) + static_cast<int64_t>(std::isnan(a[i]) ? 0 : a[i] * 2);  // beyond float's precision
      ib[i] = (int64_t{1} << 53) + static_cast<int64_t>(b[i] * 2);
    }
    for (CompareOp op : ops) {
      for (int steps = 0; steps < 4; ++steps) {
        const int64_t as = steps & 1 ? 0 : 1, bs = steps & 2 ? 0 : 1;
        if (n == 0 && (as == 0 || bs == 0)) continue;
        std::vector<char> got(a.size() + 1), want(a.size() + 1);
        cpu::compare_float(op, n, a.data(), as, b.data(), bs, reinterpret_cast<bool*>(got.data()));
        reference::compare_float(op, n, a.data(), as, b.data(), bs, reinterpret_cast<bool*>(want.data()));
        EXPECT_EQ(got, want) << "float op " << int(op) << " n=" << n << " steps " << as << bs;
        cpu::compare_int64(op, n, ia.data(), as, ib.data(), bs, reinterpret_cast<bool*>(got.data()));
        reference::compare_int64(op, n, ia.data(), as, ib.data(), bs, reinterpret_cast<bool*>(want.data()));
        EXPECT_EQ(got, want) << "int64 op " << int(op) << " n=" << n << " steps " << as << bs;
      }
    }
  }
}

}  // namespace
}  // namespace fovea::kernels
