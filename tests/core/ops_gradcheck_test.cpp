// Every differentiable op against finite differences.
#include <gtest/gtest.h>

#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/gradcheck.hpp"

using namespace fovea;
using fovea::testing::expect_gradients_match;
using V = std::vector<Tensor>;

class GradCheck : public ::testing::Test {
 protected:
  void SetUp() override { manual_seed(7); }
};

TEST_F(GradCheck, Conv2dWithStrideAndPadding) {
  expect_gradients_match([](const V& v) { return conv2d(v[0], v[1], v[2], {2, 1}, {1, 2}); },
                         {randn({2, 3, 6, 5}), randn({4, 3, 3, 2}), randn({4})});
}

TEST_F(GradCheck, Conv2dWithoutBias) {
  expect_gradients_match([](const V& v) { return conv2d(v[0], v[1], Tensor(), {1, 1}, {1, 1}); },
                         {randn({1, 2, 5, 5}), randn({3, 2, 3, 3})});
}

TEST_F(GradCheck, MaxPool2d) {
  // Distinct values spaced well apart, so no window has a near-tie a finite step could flip.
  Tensor x = Tensor::empty({2, 2, 6, 6});
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = float((i * 37) % 144) * 0.1f;
  expect_gradients_match([](const V& v) { return max_pool2d(v[0], {3, 3}, {2, 2}, {1, 1}); }, {x});
}

TEST_F(GradCheck, AvgPool2d) {
  expect_gradients_match([](const V& v) { return avg_pool2d(v[0], {3, 3}, {2, 2}, {1, 1}); }, {randn({2, 2, 7, 6})});
}

TEST_F(GradCheck, Relu) {
  Tensor x = randn({50});
  for (int64_t i = 0; i < x.numel(); ++i)  // keep clear of the kink at 0
    if (std::fabs(x.data()[i]) < 0.1f) x.data()[i] = 0.5f;
  expect_gradients_match([](const V& v) { return relu(v[0]); }, {x});
}

TEST_F(GradCheck, Linear) {
  expect_gradients_match([](const V& v) { return linear(v[0], v[1], v[2]); },
                         {randn({5, 7}), randn({3, 7}), randn({3})});
}

TEST_F(GradCheck, LogSoftmaxAndNllLoss) {
  Tensor target = tensor({1, 0, 3, 2});
  expect_gradients_match([&](const V& v) { return nll_loss(log_softmax(v[0], 1), target); }, {randn({4, 5})});
}

TEST_F(GradCheck, CrossEntropy) {
  Tensor target = tensor({4, 0, 3});
  expect_gradients_match([&](const V& v) { return cross_entropy(v[0], target); }, {randn({3, 5})});
}

TEST_F(GradCheck, ArithmeticAndViews) {
  expect_gradients_match(
      [](const V& v) { return mean(mul(add(v[0], v[1]).view({3, 4}), sub(v[0], v[1]).flatten().view({3, 4})) * 2.0f); },
      {randn({2, 6}), randn({2, 6})});
}

TEST_F(GradCheck, DropoutUsesItsMask) {
  // The mask is fixed per call; reseeding before each evaluation makes f deterministic.
  expect_gradients_match(
      [](const V& v) {
        manual_seed(99);
        return dropout(v[0], 0.4f, true);
      },
      {randn({40})});
}
