// AdaptiveAvgPool2d, AdaptiveMaxPool2d and Dropout2d: printed form, windows on small examples,
// gradients against finite differences, errors; Dropout2d's whole-channel masks and its seeding
// (values against PyTorch for the pools are in layer_parity_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "fovea/autograd.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/expect_tensor.hpp"
#include "support/gradcheck.hpp"

namespace fovea {
namespace {

using testing::error_of;
using testing::expect_gradients_match;
using testing::expect_values;
using V = std::vector<Tensor>;

TEST(AdaptivePool, PrintsLikePyTorch) {
  nn::Sequential model(nn::AdaptiveAvgPool2d(1), nn::AdaptiveAvgPool2d(nn::Pair(2, 3)), nn::AdaptiveMaxPool2d(7),
                       nn::Dropout2d(), nn::Dropout2d(0.25f));
  EXPECT_EQ(model.repr(),
            "Sequential(\n"
            "  (0): AdaptiveAvgPool2d(output_size=1)\n"
            "  (1): AdaptiveAvgPool2d(output_size=(2, 3))\n"
            "  (2): AdaptiveMaxPool2d(output_size=7)\n"
            "  (3): Dropout2d(p=0.5, inplace=False)\n"
            "  (4): Dropout2d(p=0.25, inplace=False)\n"
            ")");
}

TEST(AdaptivePool, OverlappingWindows) {
  // 1 x 1 x 1 x 5 to width 3: windows [0, 2), [1, 4), [3, 5) (floor(i*5/3), ceil((i+1)*5/3)).
  Tensor x = from_vector({1.0f, 2.0f, 3.0f, 4.0f, 5.0f}, {1, 1, 1, 5});
  expect_values(adaptive_avg_pool2d(x, {1, 3}), {1, 1, 1, 3}, {1.5f, 3.0f, 4.5f});
  expect_values(adaptive_max_pool2d(x, {1, 3}), {1, 1, 1, 3}, {2.0f, 4.0f, 5.0f});
  // Global pooling of a [C, H, W] input.
  expect_values(adaptive_avg_pool2d(arange(0, 8).reshape({2, 2, 2}), {1, 1}), {2, 1, 1}, {1.5f, 5.5f});
  expect_values(adaptive_max_pool2d(arange(0, 8).reshape({2, 2, 2}), {1, 1}), {2, 1, 1}, {3.0f, 7.0f});
  // A larger output than input repeats elements.
  expect_values(adaptive_avg_pool2d(from_vector({1.0f, 2.0f}, {1, 1, 1, 2}), {1, 4}), {1, 1, 1, 4},
                {1.0f, 1.0f, 2.0f, 2.0f});
}

TEST(AdaptivePool, MaxPropagatesNaNAndTakesTheFirstOfTies) {
  const float nan = std::nanf("");
  Tensor x = from_vector({1.0f, nan, 3.0f, 3.0f}, {1, 1, 2, 2}).requires_grad_(true);
  Tensor y = adaptive_max_pool2d(x, {1, 1});
  EXPECT_TRUE(std::isnan(y.item()));
  Tensor t = from_vector({2.0f, 5.0f, 5.0f, 1.0f}, {1, 1, 2, 2}).requires_grad_(true);
  sum(adaptive_max_pool2d(t, {1, 1})).backward();
  EXPECT_EQ(t.grad().to_vector(), (std::vector<float>{0, 1, 0, 0}));
}

// 0, 0.1, 0.2, ... in a shuffled order: distinct values spaced wider than gradcheck's step.
Tensor spaced_values(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = 0.1f * float(i);
  std::shuffle(v.begin(), v.end(), std::mt19937(5));
  return from_vector(v, shape);
}

TEST(AdaptivePool, GradientsMatchFiniteDifferences) {
  manual_seed(8);
  for (auto size : {std::pair<int64_t, int64_t>{1, 1}, {3, 4}, {5, 5}, {7, 9}}) {
    SCOPED_TRACE(std::to_string(size.first) + "x" + std::to_string(size.second));
    expect_gradients_match([&](const V& v) { return adaptive_avg_pool2d(v[0], size) * 1.0f; }, {randn({2, 2, 7, 9})});
    // Distinct values spaced wider than the step, so no maximum changes under the difference.
    Tensor x = spaced_values({2, 2, 7, 9});
    expect_gradients_match([&](const V& v) { return adaptive_max_pool2d(v[0], size) * 1.0f; }, {x});
  }
}

TEST(AdaptivePool, Errors) {
  EXPECT_NE(error_of<ShapeError>([] { adaptive_avg_pool2d(randn({2, 3}), {1, 1}); }).find("expected a 3-D"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { adaptive_max_pool2d(randn({1, 2, 3, 3}), {0, 1}); }).find("positive"),
            std::string::npos);
  EXPECT_EQ(error_of<ValueError>([] { nn::AdaptiveAvgPool2d(0); }),
            "AdaptiveAvgPool2d: output_size must be positive, got 0");
  nn::AdaptiveMaxPool2d pool(2);
  EXPECT_NE(error_of<ShapeError>([&] { pool(randn({4})); }).find("AdaptiveMaxPool2d"), std::string::npos);
}

TEST(Dropout2d, ZeroesWholeChannelsAndScalesTheRest) {
  manual_seed(12);
  nn::Dropout2d drop(0.5f);
  Tensor x = rand({8, 16, 3, 4}, 1.0f, 2.0f);  // no zeros of its own
  Tensor y = drop(x);
  int dropped = 0;
  for (int64_t n = 0; n < 8; ++n)
    for (int64_t c = 0; c < 16; ++c) {
      const auto yv = y.select(0, n).select(0, c).contiguous().to_vector();
      const auto xv = x.select(0, n).select(0, c).contiguous().to_vector();
      const bool zero = yv[0] == 0.0f;
      dropped += zero;
      for (size_t i = 0; i < yv.size(); ++i) EXPECT_FLOAT_EQ(yv[i], zero ? 0.0f : 2.0f * xv[i]);
    }
  EXPECT_GT(dropped, 32);  // 128 channels, p = 0.5: 64 expected, sd 5.7
  EXPECT_LT(dropped, 96);
}

TEST(Dropout2d, SeededEvalIdentityAndGradient) {
  nn::Dropout2d drop(0.3f);
  Tensor x = randn({2, 5, 2, 2});
  manual_seed(4);
  Tensor a = drop(x);
  manual_seed(4);
  Tensor b = drop(x);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  drop.eval();
  EXPECT_EQ(drop(x).impl(), x.impl());
  drop.train();
  expect_gradients_match(
      [&](const V& v) {
        manual_seed(9);
        return drop(v[0]) * 1.0f;
      },
      {randn({2, 5, 2, 2})});
  // 3-D inputs are [N, C, L], as torch 1.13's dropout2d.
  manual_seed(1);
  Tensor y3 = dropout2d(ones({4, 6, 5}), 0.5f, true);
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t c = 0; c < 6; ++c) {
      const auto v = y3.select(0, n).select(0, c).contiguous().to_vector();
      for (float e : v) EXPECT_EQ(e, v[0]);
    }
  EXPECT_NE(error_of<ValueError>([] { nn::Dropout2d(1.5f); }).find("between 0 and 1"), std::string::npos);
  EXPECT_NE(error_of<ShapeError>([] { dropout2d(ones({3, 4}), 0.5f, true); }).find("4-D"), std::string::npos);
}

}  // namespace
}  // namespace fovea
