// StochasticPool2d / stochastic_pool2d (Zeiler & Fergus 2013): eval is the probability-weighted
// average, training samples in proportion to the values (checked by frequency), negatives and
// all-zero windows, seeding, gradients in both modes, the printed form.
#include <gtest/gtest.h>

#include <cmath>

#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/expect_tensor.hpp"
#include "support/gradcheck.hpp"

namespace fovea {
namespace {

using testing::error_of;
using testing::expect_gradients_match;
using V = std::vector<Tensor>;

TEST(StochasticPool, EvalIsTheProbabilityWeightedAverage) {
  // Window {1, 2, 3, -4}: p = {1, 2, 3, 0} / 6, so sum p_i x_i = (1 + 4 + 9) / 6.
  Tensor x = from_vector({1.0f, 2.0f, 3.0f, -4.0f, 0.0f, 0.0f, 0.0f, -1.0f}, {1, 2, 2, 2});
  Tensor y = stochastic_pool2d(x, {2, 2}, {0, 0}, /*training=*/false);
  ASSERT_EQ(y.shape(), (Shape{1, 2, 1, 1}));
  EXPECT_FLOAT_EQ(y.at(0), 14.0f / 6.0f);
  EXPECT_EQ(y.at(1), 0.0f);  // nothing positive
}

TEST(StochasticPool, TrainingSamplesInProportionToTheValues) {
  manual_seed(31);
  // 4000 windows {1, 3, 0, -2} side by side: the 3 should win three times in four.
  const int windows = 4000;
  std::vector<float> v;
  for (int i = 0; i < windows; ++i) v.insert(v.end(), {1.0f, 3.0f, 0.0f, -2.0f});
  Tensor y = stochastic_pool2d(from_vector(v, {1, 1, 1, 4 * windows}), {1, 4}, {0, 0}, true);
  int threes = 0;
  for (float e : y.to_vector()) {
    ASSERT_TRUE(e == 1.0f || e == 3.0f) << e;  // never the zero or the negative value
    threes += e == 3.0f;
  }
  EXPECT_NEAR(threes / double(windows), 0.75, 0.03);  // sd 0.007
}

TEST(StochasticPool, SeededAndModuleFollowsTrainEval) {
  nn::StochasticPool2d pool(2);
  EXPECT_EQ(pool.repr(), "StochasticPool2d(kernel_size=2, stride=2)");
  EXPECT_EQ(nn::StochasticPool2d(nn::Pair(3, 2), 1).repr(), "StochasticPool2d(kernel_size=(3, 2), stride=1)");
  Tensor x = rand({2, 3, 6, 6});
  manual_seed(5);
  Tensor a = pool(x);
  manual_seed(5);
  Tensor b = pool(x);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  pool.eval();
  EXPECT_EQ(pool(x).to_vector(), stochastic_pool2d(x, {2, 2}, {2, 2}, false).to_vector());
  EXPECT_NE(error_of<ShapeError>([&] { pool(randn({3, 6, 6})); }).find("StochasticPool2d"), std::string::npos);
  EXPECT_EQ(error_of<ValueError>([] { nn::StochasticPool2d(0); }),
            "StochasticPool2d: kernel_size must be positive, got 0");
}

TEST(StochasticPool, GradientsMatchFiniteDifferences) {
  manual_seed(33);
  // Eval: the smooth average, with overlapping windows (stride 1); values kept positive.
  expect_gradients_match([](const V& v) { return stochastic_pool2d(v[0], {2, 2}, {1, 1}, false) * 1.0f; },
                         {rand({2, 2, 4, 5}, 0.5f, 2.0f)}, 1e-3f, 2e-2f);
  // Training: the sample is fixed by reseeding, the gradient goes to the chosen elements.
  expect_gradients_match(
      [](const V& v) {
        manual_seed(77);
        return stochastic_pool2d(v[0], {2, 2}, {0, 0}, true) * 1.0f;
      },
      {rand({2, 2, 4, 4}, 0.5f, 2.0f)}, 1e-3f, 2e-2f);
  // A window with nothing positive passes no gradient.
  Tensor z = from_vector({0.0f, -1.0f, 0.0f, -2.0f}, {1, 1, 2, 2}).requires_grad_(true);
  sum(stochastic_pool2d(z, {2, 2}, {0, 0}, true) + stochastic_pool2d(z, {2, 2}, {0, 0}, false)).backward();
  EXPECT_EQ(z.grad().to_vector(), (std::vector<float>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace fovea
