// Every fast CPU kernel against its naive reference, on random data and awkward shapes, plus the
// properties the rest of fovea relies on: bitwise determinism and correct pointer rebinding in
// the convolution plan cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/random.hpp"
#include "fovea/threads.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/reference/reference.hpp"

namespace fovea::kernels {

// What a failing or listed test shows for its parameter, instead of the struct's bytes. In
// fovea::kernels (not the anonymous namespace) so that GoogleTest finds them by argument lookup.
std::string describe(const Conv2dShape& s) {
  return "conv N" + std::to_string(s.batch) + " C" + std::to_string(s.in_channels) + " " + std::to_string(s.in_h) +
         "x" + std::to_string(s.in_w) + " -> O" + std::to_string(s.out_channels) + " k" + std::to_string(s.kernel_h) +
         "x" + std::to_string(s.kernel_w) + " s" + std::to_string(s.stride_h) + "x" + std::to_string(s.stride_w) +
         " p" + std::to_string(s.pad_h) + "x" + std::to_string(s.pad_w) +
         (s.groups != 1 ? " g" + std::to_string(s.groups) : std::string()) +
         (s.dilation_h != 1 || s.dilation_w != 1 ? " d" + std::to_string(s.dilation_h) + "x" + std::to_string(s.dilation_w)
                                                 : std::string());
}
std::string describe(const Pool2dShape& s) {
  return "pool N" + std::to_string(s.batch) + " C" + std::to_string(s.channels) + " " + std::to_string(s.in_h) + "x" +
         std::to_string(s.in_w) + " k" + std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + " s" +
         std::to_string(s.stride_h) + "x" + std::to_string(s.stride_w) + " p" + std::to_string(s.pad_h) + "x" +
         std::to_string(s.pad_w);
}
std::string describe(const LinearShape& s) {
  return "linear rows " + std::to_string(s.rows) + " in " + std::to_string(s.in_features) + " -> out " +
         std::to_string(s.out_features);
}
void PrintTo(const Conv2dShape& s, std::ostream* os) { *os << describe(s); }
void PrintTo(const Pool2dShape& s, std::ostream* os) { *os << describe(s); }
void PrintTo(const LinearShape& s, std::ostream* os) { *os << describe(s); }

namespace {

namespace ref = reference;

// A test name from a parameter's description: "conv N2 C3 9x9 -> O4 k3x3 s2x2 p0x0" becomes
// "N2_C3_9x9_O4_k3x3_s2x2_p0x0" (GoogleTest allows letters, digits and underscores only).
struct DescribedName {
  template <typename Shape>
  std::string operator()(const ::testing::TestParamInfo<Shape>& info) const {
    const std::string text = describe(info.param);
    std::string name;
    for (size_t i = text.find(' ') + 1; i < text.size(); ++i) {
      const char c = text[i];
      if (std::isalnum(static_cast<unsigned char>(c)))
        name += c;
      else if (!name.empty() && name.back() != '_')
        name += '_';
    }
    return name;
  }
};

std::vector<float> random_vector(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

// Relative tolerance against the reference, with the reference's RMS as the scale for entries
// near zero (a sum of many terms that cancels has an absolute, not relative, rounding error).
void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what,
                  double rtol = 1e-4) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double sq = 0.0;
  for (float w : want) sq += double(w) * w;
  const double scale = want.empty() ? 0.0 : std::sqrt(sq / double(want.size()));
  size_t worst = 0;
  double worst_excess = -1.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(double(got[i]) - want[i]), tol = rtol * (std::abs(want[i]) + scale);
    if (err - tol > worst_excess) worst_excess = err - tol, worst = i;
  }
  if (got.empty()) return;
  EXPECT_LE(worst_excess, 0.0) << what << ": element " << worst << " is " << got[worst] << ", expected "
                               << want[worst];
}

void expect_bitwise_equal(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << what << " differs between calls";
}

// ---- convolution ----

struct ConvData {
  std::vector<float> x, w, b, gy;
  explicit ConvData(const Conv2dShape& s, unsigned seed)
      : x(random_vector(s.batch * s.in_channels * s.in_h * s.in_w, seed)),
        w(random_vector(s.out_channels * s.in_per_group() * s.kernel_h * s.kernel_w, seed + 1)),
        b(random_vector(s.out_channels, seed + 2)),
        gy(random_vector(s.batch * s.out_channels * s.out_h() * s.out_w(), seed + 3)) {}
};

class KernelConv2dTest : public ::testing::TestWithParam<Conv2dShape> {};

TEST_P(KernelConv2dTest, MatchesReference) {
  const Conv2dShape s = GetParam();
  const std::string what = describe(s);
  ConvData d(s, 7);
  const size_t ny = d.gy.size();
  for (bool with_bias : {true, false}) {
    const float* bias = with_bias ? d.b.data() : nullptr;
    std::vector<float> y(ny), y_ref(ny);
    cpu::conv2d_forward(s, d.x.data(), d.w.data(), bias, y.data());
    ref::conv2d_forward(s, d.x.data(), d.w.data(), bias, y_ref.data());
    expect_close(y, y_ref, what + " forward" + (with_bias ? " +bias" : ""));

    std::vector<float> gw(d.w.size()), gw_ref(d.w.size()), gb(d.b.size(), 99.f), gb_ref(d.b.size());
    cpu::conv2d_backward_weight(s, d.x.data(), d.gy.data(), gw.data(), with_bias ? gb.data() : nullptr);
    ref::conv2d_backward_weight(s, d.x.data(), d.gy.data(), gw_ref.data(), gb_ref.data());
    expect_close(gw, gw_ref, what + " backward weight" + (with_bias ? " +bias" : ""));
    if (with_bias) expect_close(gb, gb_ref, what + " backward bias");
  }
  std::vector<float> gx(d.x.size()), gx_ref(d.x.size());
  cpu::conv2d_backward_input(s, d.gy.data(), d.w.data(), gx.data());
  ref::conv2d_backward_input(s, d.gy.data(), d.w.data(), gx_ref.data());
  expect_close(gx, gx_ref, what + " backward input");
}

// Fields: batch, in_channels, in_h, in_w, out_channels, kernel_h, kernel_w, stride_h, stride_w,
// pad_h, pad_w[, groups, dilation_h, dilation_w].
INSTANTIATE_TEST_SUITE_P(
    Shapes, KernelConv2dTest,
    ::testing::Values(Conv2dShape{128, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1},   // the seed's first layer
                      Conv2dShape{96, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1},   // the seed's second, last batch
                      Conv2dShape{2, 3, 9, 9, 4, 3, 3, 2, 2, 0, 0},        // stride 2, exact fit
                      Conv2dShape{2, 3, 10, 10, 4, 3, 3, 2, 2, 0, 0},      // stride 2, last row unused
                      Conv2dShape{1, 3, 7, 11, 5, 5, 3, 1, 2, 2, 1},       // non-square, padding 2
                      Conv2dShape{1, 5, 13, 6, 7, 1, 1, 1, 1, 0, 0},       // 1x1, batch 1, odd sizes
                      Conv2dShape{3, 4, 8, 5, 6, 2, 4, 2, 1, 2, 0},        // even kernel, padding 2
                      Conv2dShape{4, 17, 15, 15, 33, 3, 3, 2, 2, 1, 1},    // channels off the 8/16 blocks
                      Conv2dShape{2, 6, 9, 9, 4, 3, 3, 1, 1, 1, 1, 2, 1, 1},        // 2 groups
                      Conv2dShape{2, 8, 7, 7, 8, 3, 3, 1, 1, 1, 1, 8, 1, 1},        // depthwise
                      Conv2dShape{2, 3, 11, 10, 4, 3, 3, 1, 1, 2, 2, 1, 2, 2},      // dilation 2
                      Conv2dShape{1, 4, 12, 13, 6, 3, 2, 2, 1, 1, 0, 2, 3, 2},      // groups, dilation, stride
                      Conv2dShape{3, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 4, 1, 1}),   // blocked channels per group
    DescribedName());

TEST(KernelConv2d, SeedSecondLayerFullBatchForward) {
  const Conv2dShape s{128, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1};
  ConvData d(s, 11);
  std::vector<float> y(d.gy.size()), y_ref(d.gy.size());
  cpu::conv2d_forward(s, d.x.data(), d.w.data(), d.b.data(), y.data());
  ref::conv2d_forward(s, d.x.data(), d.w.data(), d.b.data(), y_ref.data());
  expect_close(y, y_ref, describe(s));
}

TEST(KernelConv2d, IsBitwiseDeterministic) {
  const Conv2dShape s{32, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1};
  ConvData d(s, 3);
  std::vector<float> y[2], gx[2], gw[2], gb[2];
  for (int i = 0; i < 2; ++i) {
    y[i].resize(d.gy.size()), gx[i].resize(d.x.size()), gw[i].resize(d.w.size()), gb[i].resize(d.b.size());
    cpu::conv2d_forward(s, d.x.data(), d.w.data(), d.b.data(), y[i].data());
    cpu::conv2d_backward_input(s, d.gy.data(), d.w.data(), gx[i].data());
    cpu::conv2d_backward_weight(s, d.x.data(), d.gy.data(), gw[i].data(), gb[i].data());
  }
  expect_bitwise_equal(y[0], y[1], "conv forward");
  expect_bitwise_equal(gx[0], gx[1], "conv backward input");
  expect_bitwise_equal(gw[0], gw[1], "conv backward weight");
  expect_bitwise_equal(gb[0], gb[1], "conv backward bias");
}

// The plan cache keeps oneDNN memory objects around: a second call of the same shape with other
// buffers must read and write those, not the first call's.
TEST(KernelConv2d, CachedPlanUsesEachCallsBuffers) {
  const Conv2dShape s{4, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1};
  ConvData a(s, 21), b(s, 42);
  std::vector<float> ya(a.gy.size()), yb(b.gy.size()), yb_ref(b.gy.size());
  cpu::conv2d_forward(s, a.x.data(), a.w.data(), a.b.data(), ya.data());
  cpu::conv2d_forward(s, b.x.data(), b.w.data(), b.b.data(), yb.data());
  ref::conv2d_forward(s, b.x.data(), b.w.data(), b.b.data(), yb_ref.data());
  expect_close(yb, yb_ref, "second call of a cached shape");
}

// The thread count is part of the plan key: changing it must give a fresh, correct plan.
TEST(KernelConv2d, CorrectAfterThreadCountChange) {
  const int threads = get_num_threads();
  const Conv2dShape s{8, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1};
  ConvData d(s, 5);
  std::vector<float> gw(d.w.size()), gw_ref(d.w.size());
  ref::conv2d_backward_weight(s, d.x.data(), d.gy.data(), gw_ref.data(), nullptr);
  for (int n : {1, threads + 1, threads}) {
    set_num_threads(n);
    cpu::conv2d_backward_weight(s, d.x.data(), d.gy.data(), gw.data(), nullptr);
    expect_close(gw, gw_ref, "backward weight with " + std::to_string(n) + " threads");
  }
  set_num_threads(threads);
}

// ---- pooling ----

class KernelPool2dTest : public ::testing::TestWithParam<Pool2dShape> {};

TEST_P(KernelPool2dTest, MaxPoolMatchesReferenceExactly) {
  const Pool2dShape s = GetParam();
  const auto x = random_vector(s.batch * s.channels * s.in_h * s.in_w, 13);  // continuous: no ties
  const size_t ny = size_t(s.batch * s.channels * s.out_h() * s.out_w());
  std::vector<float> y(ny), y_ref(ny);
  std::vector<int32_t> arg(ny), arg_ref(ny);
  cpu::max_pool2d_forward(s, x.data(), y.data(), arg.data());
  ref::max_pool2d_forward(s, x.data(), y_ref.data(), arg_ref.data());
  EXPECT_EQ(y, y_ref);
  EXPECT_EQ(arg, arg_ref);

  const auto gy = random_vector(int64_t(ny), 14);
  std::vector<float> gx(x.size(), 99.f), gx_ref(x.size());
  cpu::max_pool2d_backward(s, gy.data(), arg.data(), gx.data());
  ref::max_pool2d_backward(s, gy.data(), arg_ref.data(), gx_ref.data());
  EXPECT_EQ(gx, gx_ref);  // same scatter order, so exact even where windows overlap
}

TEST_P(KernelPool2dTest, AvgPoolMatchesReference) {
  const Pool2dShape s = GetParam();
  const auto x = random_vector(s.batch * s.channels * s.in_h * s.in_w, 15);
  const size_t ny = size_t(s.batch * s.channels * s.out_h() * s.out_w());
  std::vector<float> y(ny), y_ref(ny);
  cpu::avg_pool2d_forward(s, x.data(), y.data());
  ref::avg_pool2d_forward(s, x.data(), y_ref.data());
  expect_close(y, y_ref, "avg pool forward");

  const auto gy = random_vector(int64_t(ny), 16);
  std::vector<float> gx(x.size(), 99.f), gx_ref(x.size());
  cpu::avg_pool2d_backward(s, gy.data(), gx.data());
  ref::avg_pool2d_backward(s, gy.data(), gx_ref.data());
  expect_close(gx, gx_ref, "avg pool backward");
}

// Fields: batch, channels, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w.
INSTANTIATE_TEST_SUITE_P(Shapes, KernelPool2dTest,
                         ::testing::Values(Pool2dShape{128, 16, 28, 28, 2, 2, 2, 2, 0, 0},  // seed, fast path
                                           Pool2dShape{128, 32, 14, 14, 2, 2, 2, 2, 0, 0},  // seed, fast path
                                           Pool2dShape{2, 3, 7, 7, 2, 2, 2, 2, 0, 0},       // odd: edge dropped
                                           Pool2dShape{2, 3, 9, 8, 3, 3, 2, 2, 1, 1},       // padded
                                           Pool2dShape{1, 2, 6, 11, 3, 3, 1, 1, 1, 1},      // overlapping
                                           Pool2dShape{3, 2, 7, 9, 2, 3, 1, 2, 1, 1},       // non-square
                                           Pool2dShape{1, 1, 10, 10, 5, 5, 3, 3, 2, 2}),    // padding 2
                         DescribedName());

TEST(KernelMaxPool2d, TiesPickTheFirstMaximum) {
  for (const Pool2dShape& s : {Pool2dShape{1, 2, 6, 6, 2, 2, 2, 2, 0, 0}, Pool2dShape{1, 2, 6, 6, 3, 3, 2, 2, 1, 1}}) {
    const std::vector<float> x(size_t(s.batch * s.channels * s.in_h * s.in_w), 0.5f);
    const size_t ny = size_t(s.batch * s.channels * s.out_h() * s.out_w());
    std::vector<float> y(ny), y_ref(ny);
    std::vector<int32_t> arg(ny), arg_ref(ny);
    cpu::max_pool2d_forward(s, x.data(), y.data(), arg.data());
    ref::max_pool2d_forward(s, x.data(), y_ref.data(), arg_ref.data());
    EXPECT_EQ(arg, arg_ref);
    EXPECT_EQ(arg[0], 0);
  }
}

TEST(KernelMaxPool2d, NanPropagates) {
  const Pool2dShape s{1, 1, 4, 4, 2, 2, 2, 2, 0, 0};
  std::vector<float> x = random_vector(16, 3);
  x[5] = std::numeric_limits<float>::quiet_NaN();  // row 1, column 1: the first window's last element
  std::vector<float> y(4);
  std::vector<int32_t> arg(4);
  cpu::max_pool2d_forward(s, x.data(), y.data(), arg.data());
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(arg[0], 5);
}

// ---- matrix products ----

TEST(KernelGemm, AllTransposesMatchNaiveProduct) {
  const int64_t m = 7, n = 5, k = 9;
  const auto a = random_vector(m * k, 1), b = random_vector(k * n, 2), c0 = random_vector(m * n, 3);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      std::vector<float> c = c0, want(size_t(m * n));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double acc = 0.0;
          for (int64_t p = 0; p < k; ++p) acc += double(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
          want[i * n + j] = float(2.0 * acc + 0.5 * c0[i * n + j]);
        }
      cpu::gemm(ta, tb, m, n, k, 2.0f, a.data(), b.data(), 0.5f, c.data());
      expect_close(c, want, std::string("gemm ") + (ta ? "T" : "N") + (tb ? "T" : "N"));
    }
}

class KernelLinearTest : public ::testing::TestWithParam<LinearShape> {};

TEST_P(KernelLinearTest, MatchesReference) {
  const LinearShape s = GetParam();
  const auto x = random_vector(s.rows * s.in_features, 1), w = random_vector(s.out_features * s.in_features, 2);
  const auto b = random_vector(s.out_features, 3), gy = random_vector(s.rows * s.out_features, 4);
  for (bool with_bias : {true, false}) {
    std::vector<float> y(gy.size()), y_ref(gy.size());
    cpu::linear_forward(s, x.data(), w.data(), with_bias ? b.data() : nullptr, y.data());
    ref::linear_forward(s, x.data(), w.data(), with_bias ? b.data() : nullptr, y_ref.data());
    expect_close(y, y_ref, "linear forward");
  }
  std::vector<float> gx(x.size()), gw(w.size()), gb(b.size()), gx_ref(x.size()), gw_ref(w.size()), gb_ref(b.size());
  cpu::linear_backward(s, x.data(), w.data(), gy.data(), gx.data(), gw.data(), gb.data());
  ref::linear_backward(s, x.data(), w.data(), gy.data(), gx_ref.data(), gw_ref.data(), gb_ref.data());
  expect_close(gx, gx_ref, "linear grad input");
  expect_close(gw, gw_ref, "linear grad weight");
  expect_close(gb, gb_ref, "linear grad bias");

  // Outputs not asked for are left alone.
  std::vector<float> only_gw(w.size());
  cpu::linear_backward(s, x.data(), w.data(), gy.data(), nullptr, only_gw.data(), nullptr);
  expect_bitwise_equal(only_gw, gw, "grad weight alone vs with the others");
}

INSTANTIATE_TEST_SUITE_P(Shapes, KernelLinearTest,
                         ::testing::Values(LinearShape{128, 1568, 128}, LinearShape{128, 128, 10},
                                           LinearShape{96, 1568, 128}, LinearShape{96, 128, 10},
                                           LinearShape{1, 33, 5}, LinearShape{7, 1, 3}),
                         DescribedName());

TEST(KernelLinear, IsBitwiseDeterministic) {
  const LinearShape s{128, 1568, 128};
  const auto x = random_vector(s.rows * s.in_features, 1), w = random_vector(s.out_features * s.in_features, 2);
  const auto gy = random_vector(s.rows * s.out_features, 4);
  std::vector<float> y[2], gx[2], gw[2];
  for (int i = 0; i < 2; ++i) {
    y[i].resize(gy.size()), gx[i].resize(x.size()), gw[i].resize(w.size());
    cpu::linear_forward(s, x.data(), w.data(), nullptr, y[i].data());
    cpu::linear_backward(s, x.data(), w.data(), gy.data(), gx[i].data(), gw[i].data(), nullptr);
  }
  expect_bitwise_equal(y[0], y[1], "linear forward");
  expect_bitwise_equal(gx[0], gx[1], "linear grad input");
  expect_bitwise_equal(gw[0], gw[1], "linear grad weight");
}

// ---- elementwise, softmax and losses ----

TEST(KernelRelu, MatchesReferenceSmallAndLarge) {
  for (int64_t n : {int64_t(1), int64_t(1000), int64_t(3 << 16) + 5}) {  // the last takes the parallel path
    auto x = random_vector(n, 8);
    const auto gy = random_vector(n, 9);
    x[0] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> y(x.size()), y_ref(x.size()), gx(x.size()), gx_ref(x.size());
    cpu::relu_forward(n, x.data(), y.data());
    ref::relu_forward(n, x.data(), y_ref.data());
    EXPECT_TRUE(std::isnan(y[0]));
    y[0] = y_ref[0] = 0.0f;  // NaN != NaN
    EXPECT_EQ(y, y_ref);
    cpu::relu_backward(n, y.data(), gy.data(), gx.data());
    ref::relu_backward(n, y_ref.data(), gy.data(), gx_ref.data());
    EXPECT_EQ(gx, gx_ref);
  }
}

TEST(KernelDropout, MatchesReference) {
  for (int64_t n : {int64_t(1), int64_t(1000), int64_t(3 << 16) + 5})
    for (float p : {0.3f, 1.0f}) {
      auto x = random_vector(n, 12), draws = random_vector(n, 13), gy = random_vector(n, 14);
      for (auto& u : draws) u = 0.5f * (u + 1.0f);  // uniform in [0, 1)
      x[0] = std::numeric_limits<float>::infinity();
      const float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
      std::vector<float> mask = draws, mask_ref = draws, y(x.size()), y_ref(x.size()), gx(x.size()), gx_ref(x.size());
      cpu::dropout_forward(n, x.data(), p, scale, mask.data(), y.data());
      ref::dropout_forward(n, x.data(), p, scale, mask_ref.data(), y_ref.data());
      EXPECT_EQ(mask, mask_ref);
      EXPECT_EQ(std::isnan(y[0]), std::isnan(y_ref[0]));  // inf * 0 when dropped
      y[0] = y_ref[0] = 0.0f;
      EXPECT_EQ(y, y_ref);
      cpu::dropout_backward(n, gy.data(), mask.data(), gx.data());
      ref::dropout_backward(n, gy.data(), mask_ref.data(), gx_ref.data());
      EXPECT_EQ(gx, gx_ref);
    }
}

TEST(KernelRandom, Mt19937RefillMatchesReference) {
  std::mt19937_64 seeder(3);
  std::vector<uint64_t> state(312), state_ref;
  for (auto& w : state) w = seeder();
  state_ref = state;
  for (int round = 0; round < 3; ++round) {
    cpu::mt19937_64_refill(state.data());
    ref::mt19937_64_refill(state_ref.data());
    EXPECT_EQ(state, state_ref) << "round " << round;
  }
}

// Philox4x32-10's known answers (Random123's kat_vectors).
TEST(KernelRandom, PhiloxKnownAnswers) {
  struct Case {
    uint32_t counter[4], key[2], expected[4];
  };
  const Case cases[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}, {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
       {0xa4093822u, 0x299f31d0u},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}};
  for (const Case& c : cases) {
    uint32_t out[4];
    ref::philox4x32_10(c.counter, c.key, out);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(out[w], c.expected[w]) << "word " << w << " of counter " << c.counter[0];
  }
  // The kernel's element 16w + j of chunk 0 is word w of block j: block 0 under key 0 is the first case.
  std::vector<float> u(64);
  cpu::philox_uniform(64, 0, u.data());
  for (int w = 0; w < 4; ++w) EXPECT_EQ(u[size_t(16 * w)], float(cases[0].expected[w] >> 8) / 16777216.0f);
}

// Every variant, every length (whole chunks, tails, the threaded path), every thread count: the
// reference's values, bit for bit.
TEST(KernelRandom, PhiloxUniformMatchesReferenceOnAnyThreadCount) {
  const int threads_before = get_num_threads();
  for (int64_t n : {int64_t(0), int64_t(1), int64_t(63), int64_t(64), int64_t(65), int64_t(16384),
                    int64_t(1 << 17) + 37})
    for (uint64_t key : {uint64_t(0), uint64_t(0x123456789abcdefULL), ~uint64_t(0)}) {
      std::vector<float> expected(size_t(n) + 1, -1.0f);
      ref::philox_uniform(n, key, expected.data());
      for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        std::vector<float> got(size_t(n) + 1, -1.0f);  // one past the end: left alone
        cpu::philox_uniform(n, key, got.data());
        ASSERT_EQ(got, expected) << "n " << n << ", key " << key << ", " << threads << " threads";
      }
    }
  set_num_threads(threads_before);
}

// Uniform on [0, 1): the mean, the fraction below a few thresholds (dropout's keep rate) and
// the neighbouring elements' correlation are those of independent uniforms, within 5 sigma.
TEST(KernelRandom, PhiloxUniformStatistics) {
  const int64_t n = 1 << 20;
  std::vector<float> u(static_cast<size_t>(n));
  cpu::philox_uniform(n, 42, u.data());
  double sum = 0.0, lag = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GE(u[size_t(i)], 0.0f);
    ASSERT_LT(u[size_t(i)], 1.0f);
    sum += u[size_t(i)];
    if (i > 0) lag += (u[size_t(i)] - 0.5) * (u[size_t(i - 1)] - 0.5);
  }
  EXPECT_NEAR(sum / double(n), 0.5, 5.0 * std::sqrt(1.0 / 12.0 / double(n)));
  EXPECT_NEAR(lag / double(n - 1), 0.0, 5.0 * (1.0 / 12.0) / std::sqrt(double(n)));
  for (double p : {0.1, 0.5, 0.9}) {
    const auto below = std::count_if(u.begin(), u.end(), [p](float v) { return v < float(p); });
    EXPECT_NEAR(double(below) / double(n), p, 5.0 * std::sqrt(p * (1.0 - p) / double(n))) << "p " << p;
  }
}

// The generator keys one Philox stream per call with one draw: reproducible from the seed, a new
// stream each call, and a saved state replays it.
TEST(KernelRandom, GeneratorPhiloxFollowsTheGeneratorState) {
  Generator a(9), b(9);
  std::vector<float> first(1000), again(1000), second(1000);
  a.fill_uniform_philox(first.data(), 1000);
  b.fill_uniform_philox(again.data(), 1000);
  EXPECT_EQ(first, again);
  const std::string state = a.get_state();
  a.fill_uniform_philox(second.data(), 1000);
  EXPECT_NE(first, second);
  Generator c(1);
  c.set_state(state);
  c.fill_uniform_philox(again.data(), 1000);
  EXPECT_EQ(again, second);
  EXPECT_EQ(a.next_u64(), c.next_u64());  // each call moved the state by one draw
  std::vector<float> expected(1000);
  Generator d(9);
  ref::philox_uniform(1000, d.next_u64(), expected.data());
  EXPECT_EQ(first, expected);
}

// fovea's Generator writes MT19937-64 out (its refill is the kernel above): same stream as the
// standard's engine, whose 10000th value the standard fixes.
TEST(KernelRandom, GeneratorIsStdMt19937_64) {
  for (uint64_t seed : {uint64_t(0), uint64_t(5489), uint64_t(42), ~uint64_t(0)}) {
    Generator gen(seed);
    std::mt19937_64 engine(seed);
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(gen.next_u64(), engine()) << "seed " << seed << ", draw " << i;
    gen.seed(seed + 1);
    engine.seed(seed + 1);
    EXPECT_EQ(gen.next_u64(), engine()) << "after reseeding";
  }
  Generator standard(5489);
  for (int i = 1; i < 10000; ++i) standard.next_u64();
  EXPECT_EQ(standard.next_u64(), 9981545732273789042ULL);
}

TEST(KernelRandom, GeneratorStateRoundTripsAndRefusesGarbage) {
  Generator gen(77);
  for (int i = 0; i < 500; ++i) gen.next_u64();  // mid-way through a block of the state
  const std::string state = gen.get_state();
  std::vector<uint64_t> expected;
  for (int i = 0; i < 700; ++i) expected.push_back(gen.next_u64());  // across a refill
  Generator other(1);
  other.set_state(state);
  for (int i = 0; i < 700; ++i) ASSERT_EQ(other.next_u64(), expected[size_t(i)]) << "draw " << i;
  // Bad states are refused whole, and the generator is unchanged.
  Generator victim(5);
  const std::string before = victim.get_state();
  std::string bad_digit = state;
  bad_digit.back() = 'g';
  for (const std::string& bad : {std::string(""), std::string("mt19937_64 313 ") + state.substr(state.rfind(' ') + 1),
                                 state.substr(0, state.size() - 1), bad_digit, std::string("pcg 0 00")})
    EXPECT_THROW(victim.set_state(bad), ValueError) << bad.substr(0, 40);
  EXPECT_EQ(victim.get_state(), before);
}

TEST(KernelSoftmax, LogSoftmaxAndLossesMatchReference) {
  for (auto [rows, classes] : {std::pair<int64_t, int64_t>{128, 10}, {96, 10}, {1, 3}, {10000, 10}}) {
    auto x = random_vector(rows * classes, 10);
    for (auto& v : x) v *= 20.0f;
    x[0] = 1000.0f;  // would overflow exp() without the max shift
    std::vector<int64_t> target(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) target[size_t(r)] = (r * 7) % classes;
    const auto gy = random_vector(rows * classes, 11);
    const size_t n = x.size();

    std::vector<float> y(n), y_ref(n);
    cpu::log_softmax_forward(rows, classes, x.data(), y.data());
    ref::log_softmax_forward(rows, classes, x.data(), y_ref.data());
    expect_close(y, y_ref, "log_softmax forward");

    std::vector<float> gx(n), gx_ref(n);
    cpu::log_softmax_backward(rows, classes, y_ref.data(), gy.data(), gx.data());
    ref::log_softmax_backward(rows, classes, y_ref.data(), gy.data(), gx_ref.data());
    expect_close(gx, gx_ref, "log_softmax backward");

    const float loss = cpu::nll_loss_forward(rows, classes, y_ref.data(), target.data());
    const float loss_ref = ref::nll_loss_forward(rows, classes, y_ref.data(), target.data());
    EXPECT_NEAR(loss, loss_ref, 1e-5 * std::abs(loss_ref));
    EXPECT_EQ(loss, cpu::nll_loss_forward(rows, classes, y_ref.data(), target.data()));

    const float scale = 1.0f / float(rows);
    cpu::cross_entropy_backward(rows, classes, y_ref.data(), target.data(), scale, gx.data());
    ref::cross_entropy_backward(rows, classes, y_ref.data(), target.data(), scale, gx_ref.data());
    expect_close(gx, gx_ref, "cross_entropy backward");
  }
}

}  // namespace
}  // namespace fovea::kernels
