// Elementwise arithmetic, math and activations: values against torch 1.13 (the constants below were
// printed by torch on the same inputs), broadcasting, strided inputs, NaN, dtype and shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"

using namespace fovea;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// x and a positive p, the inputs of every value test (the same as in the torch script).
Tensor x_values() { return from_vector({-3.5f, -1.2f, -0.3f, 0.0f, 0.4f, 1.1f, 2.7f, 9.0f}, {8}); }
Tensor p_values() { return from_vector({0.5f, 1.2f, 0.3f, 2.0f, 0.4f, 1.1f, 2.7f, 9.0f}, {8}); }

// Within a few float ulps of torch's value (our transcendental functions are not libm's).
void expect_values(const Tensor& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << what;
  const std::vector<float> g = got.to_vector();
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " element " << i << ": " << g[i];
      continue;
    }
    if (std::isinf(want[i])) {
      EXPECT_EQ(g[i], want[i]) << what << " element " << i;
      continue;
    }
    EXPECT_NEAR(g[i], want[i], 4e-7 * std::max(1.0f, std::fabs(want[i])) + 1e-30) << what << " element " << i;
  }
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Elementwise, ActivationsMatchTorch) {
  const Tensor x = x_values();
  expect_values(exp(x),
                {0.03019738383591175f, 0.3011941909790039f, 0.740818202495575f, 1.0f, 1.4918246269226074f,
                 3.0041661262512207f, 14.879732131958008f, 8103.083984375f},
                "exp");
  expect_values(sigmoid(x),
                {0.02931223064661026f, 0.23147521913051605f, 0.4255574941635132f, 0.5f, 0.5986876487731934f,
                 0.7502601146697998f, 0.9370266199111938f, 0.9998766183853149f},
                "sigmoid");
  expect_values(tanh(x),
                {-0.9981778860092163f, -0.8336546421051025f, -0.29131263494491577f, 0.0f, 0.3799489736557007f,
                 0.8004990220069885f, 0.9910074472427368f, 1.0f},
                "tanh");
  expect_values(gelu(x),
                {-0.0008143335580825806f, -0.13808366656303406f, -0.11462658643722534f, 0.0f, 0.26216867566108704f,
                 0.9507672786712646f, 2.690639019012451f, 9.0f},
                "gelu");
  // torch computes 0.5 x (1 + tanh(u)) in float, whose cancellation at x = -3.5 costs it four
  // digits; ours (x * sigmoid(2u)) is checked there against torch in float64.
  const std::vector<float> gelu_tanh_torch = {
      -0.0006161481142044067f, -0.13829724490642548f, -0.11462908238172531f, 0.0f,
      0.26216116547584534f,    0.9505810737609863f,   2.6911122798919678f,   9.0f};
  expect_values(gelu(x, "tanh").slice(0, 1, 8), std::vector<float>(gelu_tanh_torch.begin() + 1, gelu_tanh_torch.end()),
                "gelu tanh");
  EXPECT_NEAR(gelu(x, "tanh").at(0), -0.0006161976553737403, 1e-6 * 6.2e-4);
  expect_values(silu(x),
                {-0.10259281098842621f, -0.2777702808380127f, -0.12766724824905396f, 0.0f, 0.2394750714302063f,
                 0.8252861499786377f, 2.5299718379974365f, 8.998889923095703f},
                "silu");
  expect_values(leaky_relu(x, 0.2f), {-0.7f, -0.24f, -0.06f, 0.0f, 0.4f, 1.1f, 2.7f, 9.0f}, "leaky_relu");
  expect_values(relu(x), {0, 0, 0, 0, 0.4f, 1.1f, 2.7f, 9.0f}, "relu");
  EXPECT_THROW(gelu(x, "erf"), ValueError);
}

TEST(Elementwise, MathMatchesTorch) {
  const Tensor x = x_values(), p = p_values();
  expect_values(abs(x), {3.5f, 1.2f, 0.3f, 0.0f, 0.4f, 1.1f, 2.7f, 9.0f}, "abs");
  expect_values(neg(x), {3.5f, 1.2f, 0.3f, -0.0f, -0.4f, -1.1f, -2.7f, -9.0f}, "neg");
  EXPECT_TRUE(std::signbit(neg(x).at(3)));  // -0, as torch
  expect_values(log(p),
                {-0.6931471824645996f, 0.18232159316539764f, -1.2039728164672852f, 0.6931471824645996f,
                 -0.9162907004356384f, 0.09531020373106003f, 0.9932518005371094f, 2.1972246170043945f},
                "log");
  expect_values(sqrt(p),
                {0.7071067690849304f, 1.095445156097412f, 0.547722578048706f, 1.4142135381698608f, 0.6324555277824402f,
                 1.0488088130950928f, 1.6431677341461182f, 3.0f},
                "sqrt");
  expect_values(rsqrt(p),
                {1.4142135381698608f, 0.9128708839416504f, 1.8257417678833008f, 0.7071067690849304f,
                 1.5811388492584229f, 0.9534626007080078f, 0.6085805892944336f, 0.3333333432674408f},
                "rsqrt");
  expect_values(pow(p, 2.5f),
                {0.1767766922712326f, 1.5774410963058472f, 0.049295034259557724f, 5.656854152679443f,
                 0.1011928915977478f, 1.2690588235855103f, 11.978693008422852f, 243.0f},
                "pow scalar");
  expect_values(pow(p, x),
                {11.313708305358887f, 0.8034936785697937f, 1.435038685798645f, 1.0f, 0.6931448578834534f,
                 1.1105343103408813f, 14.611076354980469f, 387420480.0f},
                "pow tensor");
  expect_values(pow(p, 2.0f), (p * p).to_vector(), "pow 2");
  expect_values(pow(p, 0.5f), sqrt(p).to_vector(), "pow 0.5");
  expect_values(clamp(x, -1.0f, 2.0f), {-1.0f, -1.0f, -0.3f, 0.0f, 0.4f, 1.1f, 2.0f, 2.0f}, "clamp");
  expect_values(clamp(x, std::nullopt, 0.0f), {-3.5f, -1.2f, -0.3f, 0, 0, 0, 0, 0}, "clamp max only");
  expect_values(clamp(x, 1.0f, std::nullopt), {1, 1, 1, 1, 1, 1.1f, 2.7f, 9.0f}, "clamp min only");
  expect_values(clamp(x, 2.0f, 1.0f), std::vector<float>(8, 1.0f), "clamp min > max gives max");
  EXPECT_THROW(clamp(x, std::nullopt, std::nullopt), ValueError);
  expect_values(log(from_vector({0.0f, -1.0f, kInf}, {3})), {-kInf, kNaN, kInf}, "log edges");
  expect_values(rsqrt(from_vector({0.0f, -1.0f, kInf}, {3})), {kInf, kNaN, 0.0f}, "rsqrt edges");
}

TEST(Elementwise, ArithmeticMatchesTorch) {
  const Tensor x = x_values(), p = p_values();
  expect_values(x / p, {-7.0f, -1.0f, -1.0f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f}, "div");
  expect_values(3.0f / p, {6.0f, 2.5f, 10.0f, 1.5f, 7.5f, 2.7272725105285645f, 1.111111044883728f, 0.3333333432674408f},
                "rdiv");
  expect_values(sub(x, p, 2.0f),
                {-4.5f, -3.6000001430511475f, -0.9000000357627869f, -4.0f, -0.4000000059604645f, -1.100000023841858f,
                 -2.700000047683716f, -9.0f},
                "sub alpha");
  expect_values(add(x, p, 0.5f), {-3.25f, -0.6f, -0.15f, 1.0f, 0.6f, 1.65f, 4.05f, 13.5f}, "add alpha");
  expect_values(x + 1.5f, {-2.0f, 0.3f, 1.2f, 1.5f, 1.9f, 2.6f, 4.2f, 10.5f}, "add scalar");
  expect_values(1.5f + x, (x + 1.5f).to_vector(), "scalar add");
  expect_values(x - 1.5f, {-5.0f, -2.7f, -1.8f, -1.5f, -1.1f, -0.4f, 1.2f, 7.5f}, "sub scalar");
  expect_values(1.5f - x, {5.0f, 2.7f, 1.8f, 1.5f, 1.1f, 0.4f, -1.2f, -7.5f}, "rsub");
  expect_values(rsub(x, 1.5f), (1.5f - x).to_vector(), "rsub()");
  expect_values(x * 2.0f, {-7.0f, -2.4f, -0.6f, 0.0f, 0.8f, 2.2f, 5.4f, 18.0f}, "mul scalar");
  expect_values(2.0f * x, (x * 2.0f).to_vector(), "scalar mul");
  expect_values(x / 4.0f, {-0.875f, -0.3f, -0.075f, 0.0f, 0.1f, 0.275f, 0.675f, 2.25f}, "div scalar");
  expect_values(-x, neg(x).to_vector(), "unary minus");
  expect_values(x * p, {-1.75f, -1.44f, -0.09f, 0.0f, 0.16f, 1.21f, 7.29f, 81.0f}, "mul");
  expect_values(x - p, {-4.0f, -2.4f, -0.6f, -2.0f, 0.0f, 0.0f, 0.0f, 0.0f}, "sub");
  // a * (1 / s) would round differently: 0.3f / 3 is 0.1f exactly rounded, 0.3f * (1/3.f) is not.
  EXPECT_EQ((full({1}, 0.3f) / 3.0f).item(), 0.3f / 3.0f);
}

TEST(Elementwise, BroadcastsAsPyTorch) {
  const Tensor col = from_vector({1, 2, 3}, {3, 1}), row = from_vector({10, 20, 30, 40}, {4});
  const Tensor sum34 = col + row;
  EXPECT_EQ(sum34.shape(), (Shape{3, 4}));
  EXPECT_EQ(sum34.to_vector(), (std::vector<float>{11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}));
  EXPECT_EQ((row - col).to_vector()[4], 8.0f);
  // A 0-d tensor broadcasts to anything.
  const Tensor scalar = full({}, 2.0f);
  EXPECT_EQ((scalar * col).shape(), (Shape{3, 1}));
  EXPECT_EQ((scalar * scalar).shape(), Shape{});
  EXPECT_EQ(maximum(col, row).shape(), (Shape{3, 4}));
  // Empty tensors give empty results of the broadcast shape.
  EXPECT_EQ((zeros({0, 3}) + ones({3})).shape(), (Shape{0, 3}));
  EXPECT_EQ(exp(zeros({0})).numel(), 0);
  EXPECT_EQ((zeros({2, 0}) * zeros({1, 1})).shape(), (Shape{2, 0}));
  // Shapes that do not broadcast: one error naming the op and both shapes.
  const std::string msg = error_of([] { mul(zeros({2, 3}), zeros({4})); });
  EXPECT_NE(msg.find("mul"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
  EXPECT_THROW(add(zeros({2}), zeros({3})), ShapeError);
  EXPECT_THROW(maximum(zeros({2}), zeros({3})), ShapeError);
  EXPECT_THROW(where(zeros({2}, kBool), zeros({3}), 0.0f), ShapeError);
}

TEST(Elementwise, StridedInputs) {
  // A transposed view, a stepped slice and an expanded tensor: the same values as their copies.
  const Tensor base = arange(0.0, 24.0, 1.0).view({4, 6}) / 7.0f - 1.5f;
  const Tensor t = base.t(), stepped = base.slice(1, 0, 6, 2), wide = base.slice(0, 0, 1).expand({5, 6});
  for (const Tensor& v : {t, stepped, wide}) {
    ASSERT_FALSE(v.is_contiguous());
    const Tensor c = v.contiguous();
    EXPECT_EQ(exp(v).to_vector(), exp(c).to_vector());
    EXPECT_EQ(gelu(v).to_vector(), gelu(c).to_vector());
    EXPECT_EQ((v * v + 1.0f).to_vector(), (c * c + 1.0f).to_vector());
    EXPECT_EQ(maximum(v, c).to_vector(), c.to_vector());
  }
  // A row longer than the gather buffer, strided.
  const Tensor long_base = arange(0.0, 3000.0, 1.0).view({1000, 3}) / 1000.0f;
  const Tensor column = long_base.select(1, 1);
  EXPECT_EQ(sigmoid(column).to_vector(), sigmoid(column.contiguous()).to_vector());
  EXPECT_EQ((column - column.contiguous()).to_vector(), std::vector<float>(1000, 0.0f));
}

TEST(Elementwise, LongContiguousRowsSplitAcrossThreadsGiveTheSameValues) {
  const Tensor big = arange(0.0, 1000003.0, 1.0) / 100000.0f - 5.0f;
  const std::vector<float> whole = tanh(big).to_vector();
  // The same elements in short rows (no splitting within a row) must give the same bits.
  const Tensor pieces = tanh(big.slice(0, 0, 1000000).view({1000, 1000}));
  const std::vector<float> v = pieces.to_vector();
  for (size_t i = 0; i < v.size(); i += 997) ASSERT_EQ(v[i], whole[i]) << i;
}

TEST(Elementwise, NaNPropagatesAsInPyTorch) {
  const Tensor a = from_vector({kNaN, 1.0f, kNaN, 2.0f}, {4}), b = from_vector({1.0f, kNaN, kNaN, 3.0f}, {4});
  for (const Tensor& m : {maximum(a, b), minimum(a, b)}) {
    const std::vector<float> v = m.to_vector();
    EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[1]) && std::isnan(v[2]));
  }
  EXPECT_EQ(maximum(a, b).at(3), 3.0f);
  EXPECT_EQ(minimum(a, b).at(3), 2.0f);
  EXPECT_TRUE(std::isnan(clamp(a, 0.0f, 0.5f).at(0)));
  EXPECT_EQ(clamp(a, 0.0f, 0.5f).at(1), 0.5f);
  EXPECT_TRUE(std::isnan(relu(a).at(0)));
  EXPECT_TRUE(std::isnan(leaky_relu(a).at(0)));
  EXPECT_TRUE(std::isnan(sigmoid(a).at(0)));
  const Tensor inf = from_vector({-kInf, kInf}, {2});
  expect_values(sigmoid(inf), {0.0f, 1.0f}, "sigmoid inf");
  expect_values(tanh(inf), {-1.0f, 1.0f}, "tanh inf");
  expect_values(exp(inf), {0.0f, kInf}, "exp inf");
  // As torch: silu and gelu are NaN at -inf (-inf * 0), inf at inf.
  expect_values(silu(inf), {kNaN, kInf}, "silu inf");
  expect_values(gelu(inf), {kNaN, kInf}, "gelu inf");
  expect_values(gelu(inf, "tanh"), {kNaN, kInf}, "gelu tanh inf");
}

TEST(Elementwise, ArithmeticIsFloat32Only) {
  const Tensor i = arange(4), f = ones({4}), b = zeros({4}, kBool);
  EXPECT_THROW(add(i, f), TypeError);
  EXPECT_THROW(mul(f, i), TypeError);
  EXPECT_THROW(i * 2.0f, TypeError);
  EXPECT_THROW(exp(i), TypeError);
  EXPECT_THROW(sigmoid(b), TypeError);
  EXPECT_THROW(clamp(i, 0.0f, 1.0f), TypeError);
  EXPECT_THROW(maximum(f, b), TypeError);
  const std::string msg = error_of([&] { sqrt(i); });
  EXPECT_NE(msg.find("sqrt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("int64"), std::string::npos) << msg;
  EXPECT_THROW(exp(Tensor()), Error);
}

TEST(Elementwise, WherePicksAndPromotes) {
  const Tensor c = from_vector(std::vector<bool>{true, false, true}, {3});
  EXPECT_EQ(where(c, from_vector({1, 2, 3}, {3}), from_vector({-1, -2, -3}, {3})).to_vector(),
            (std::vector<float>{1, -2, 3}));
  EXPECT_EQ(where(c, ones({3}), 0.5f).to_vector(), (std::vector<float>{1, 0.5f, 1}));
  EXPECT_EQ(where(c, 7.0f, zeros({2, 3})).shape(), (Shape{2, 3}));
  // int64 with int64 stays int64; with a scalar or a float tensor it becomes float32, as torch.
  const Tensor ints = where(c, arange(3), full({3}, -1, kInt64));
  EXPECT_EQ(ints.dtype(), kInt64);
  EXPECT_EQ(ints.to_vector<int64_t>(), (std::vector<int64_t>{0, -1, 2}));
  const Tensor flags = where(c, from_vector(std::vector<bool>{false, false, false}, {3}), full({3}, 1, kBool));
  EXPECT_EQ(flags.dtype(), kBool);
  EXPECT_EQ(flags.to_vector<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(where(c, arange(3), 0.5f).dtype(), kFloat32);
  EXPECT_EQ(where(c, arange(3), ones({3})).dtype(), kFloat32);
  EXPECT_THROW(where(ones({3}), ones({3}), 0.0f), TypeError);  // the condition must be bool
  // Broadcast condition [3, 1] against values [4].
  const Tensor picked = where(from_vector(std::vector<bool>{true, false, true}, {3, 1}), arange(0.0, 4.0), 9.0f);
  EXPECT_EQ(picked.shape(), (Shape{3, 4}));
  EXPECT_EQ(picked.to_vector()[4], 9.0f);
}
