// batch_norm on a convolution's output, which arrives in oneDNN's channel-blocked layout and is
// normalised there (kernels/cpu/batch_norm_blocked.cpp): the same numbers as on plain NCHW, in
// training and eval, forward and backward, with channel counts that fill the blocks and that pad
// them, and the output left in the layout for the next layer.
#include <gtest/gtest.h>

#include "fovea/autograd.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"

namespace fovea {
namespace {

void expect_near(const Tensor& a, const Tensor& b, float tol, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], tol * (1.0f + std::abs(y[i]))) << what << " at " << i;
}

struct Result {
  Tensor out, grad_x, grad_w, grad_b, running_mean, running_var;
};

// conv -> batch_norm, with the convolution's output handed on as it is (blocked) or first copied
// to plain NCHW, and a loss that weighs every element differently.
Result run(int64_t channels, bool training, bool through_plain) {
  manual_seed(11);
  Tensor x = randn({3, 2, 9, 7}).requires_grad_(true);
  Tensor conv_w = randn({channels, 2, 3, 3}).requires_grad_(true);
  Tensor w = (rand({channels}) + 0.5f).requires_grad_(true), b = randn({channels}).requires_grad_(true);
  Tensor rm = randn({channels}), rv = rand({channels}) + 0.5f;
  const Tensor weights = randn({3, channels, 7, 5});
  Tensor h = conv2d(x, conv_w, Tensor(), {1, 1}, {0, 0});
  if (through_plain) h = h * 1.0f;  // an elementwise op reads it as NCHW
  Tensor y = batch_norm(h, rm, rv, w, b, training, 0.1f, 1e-5f);
  sum(y * weights).backward();
  return {y, x.grad(), w.grad(), b.grad(), rm, rv};
}

void expect_same(int64_t channels, bool training) {
  const Result blocked = run(channels, training, false), plain = run(channels, training, true);
  expect_near(blocked.out, plain.out, 1e-5f, "output");
  expect_near(blocked.grad_x, plain.grad_x, 1e-4f, "input gradient");
  expect_near(blocked.grad_w, plain.grad_w, 1e-4f, "weight gradient");
  expect_near(blocked.grad_b, plain.grad_b, 1e-4f, "bias gradient");
  expect_near(blocked.running_mean, plain.running_mean, 1e-5f, "running_mean");
  expect_near(blocked.running_var, plain.running_var, 1e-5f, "running_var");
}

TEST(BatchNormBlocked, TrainingMatchesPlainLayout) {
  expect_same(16, true);
  expect_same(32, true);
}

TEST(BatchNormBlocked, PaddedChannelBlocksMatchToo) {
  expect_same(20, true);
  expect_same(5, true);
}

TEST(BatchNormBlocked, EvalWithRunningStatisticsMatches) {
  expect_same(24, false);
}

TEST(BatchNormBlocked, OutputStaysBlockedForTheNextLayer) {
  manual_seed(2);
  Tensor h = conv2d(randn({2, 3, 8, 8}), randn({16, 3, 3, 3}), Tensor(), {1, 1}, {1, 1});
  if (h.layout() != Layout::Blocked) GTEST_SKIP() << "oneDNN chose plain NCHW on this CPU";
  Tensor y = batch_norm(h, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1f, 1e-5f);
  EXPECT_EQ(y.layout(), Layout::Blocked);
  // Per channel: mean 0, variance 1 (biased), read back through the plain view.
  Tensor mean_c = mean(y, {0, 2, 3}), var_c = mean(y * y, {0, 2, 3});
  for (float m : mean_c.to_vector()) EXPECT_NEAR(m, 0.0f, 1e-5f);
  for (float v : var_c.to_vector()) EXPECT_NEAR(v, 1.0f, 1e-3f);
}

TEST(BatchNormBlocked, ModulesTrainTheSameEitherWay) {
  // A whole Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d stack, one SGD-free step of gradients.
  manual_seed(5);
  nn::Sequential net(nn::Conv2d(1, 20, 3), nn::BatchNorm2d(20), nn::ReLU(true), nn::MaxPool2d(2));
  Tensor x = randn({4, 1, 12, 12});
  Tensor y = net(x);
  sum(y).backward();
  auto* bn = dynamic_cast<nn::BatchNorm2d*>(net[1].get());
  const Tensor gw = bn->weight.grad().clone();
  const Tensor rm = bn->running_mean.clone();
  // The same through a plain copy of the convolution's output.
  manual_seed(5);
  nn::Sequential again(nn::Conv2d(1, 20, 3), nn::BatchNorm2d(20), nn::ReLU(true), nn::MaxPool2d(2));
  Tensor h = (*again[0])(x) * 1.0f;
  Tensor y2 = (*again[3])((*again[2])((*again[1])(h)));
  sum(y2).backward();
  auto* bn2 = dynamic_cast<nn::BatchNorm2d*>(again[1].get());
  expect_near(y, y2, 1e-5f, "output");
  expect_near(gw, bn2->weight.grad(), 1e-4f, "weight gradient");
  expect_near(rm, bn2->running_mean, 1e-5f, "running_mean");
}

}  // namespace
}  // namespace fovea
