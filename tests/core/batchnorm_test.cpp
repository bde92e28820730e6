// BatchNorm1d/2d and the batch_norm op: state_dict keys and printed form as PyTorch's, errors that
// name the layer, the gradient against finite differences in training and eval, and the running
// statistics' bookkeeping (values against PyTorch are in layer_parity_test.cpp).
#include <gtest/gtest.h>

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
using V = std::vector<Tensor>;

std::vector<std::string> keys(const nn::StateDict& dict) {
  std::vector<std::string> out;
  for (const auto& [name, t] : dict) out.push_back(name);
  return out;
}

TEST(BatchNorm, StateDictKeysAreTorchs) {
  nn::Sequential model;
  model.push_back(std::make_shared<nn::BatchNorm2d>(3));
  EXPECT_EQ(keys(model.state_dict()), (std::vector<std::string>{"0.weight", "0.bias", "0.running_mean",
                                                                "0.running_var", "0.num_batches_tracked"}));
  nn::BatchNorm2d bn(3);
  EXPECT_EQ(bn.parameters().size(), 2u);
  EXPECT_EQ(bn.num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn.num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn.weight.to_vector(), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(bn.bias.to_vector(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(bn.running_var.to_vector(), (std::vector<float>{1, 1, 1}));
  EXPECT_TRUE(bn.weight.requires_grad());
  EXPECT_FALSE(bn.running_mean.requires_grad());
  // Without affine: no parameters; without running stats: no buffers (PyTorch registers None).
  EXPECT_EQ(keys(nn::BatchNorm1d(2, 1e-5f, 0.1f, false).state_dict()),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(keys(nn::BatchNorm1d(2, 1e-5f, 0.1f, true, false).state_dict()),
            (std::vector<std::string>{"weight", "bias"}));
}

TEST(BatchNorm, PrintsLikePyTorch) {
  EXPECT_EQ(nn::BatchNorm1d(3).repr(), "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(nn::BatchNorm2d(4, 1e-5f, std::nullopt, false, false).repr(),
            "BatchNorm2d(4, eps=1e-05, momentum=None, affine=False, track_running_stats=False)");
  EXPECT_EQ(nn::BatchNorm2d(8, 1e-3f, 0.3f).repr(),
            "BatchNorm2d(8, eps=0.001, momentum=0.3, affine=True, track_running_stats=True)");
}

TEST(BatchNorm, ErrorsNameTheLayer) {
  nn::Sequential model;
  model.push_back(std::make_shared<nn::BatchNorm2d>(3));
  const std::string wrong_channels = error_of<ShapeError>([&] { model(randn({2, 4, 5, 5})); });
  EXPECT_NE(wrong_channels.find("BatchNorm2d"), std::string::npos) << wrong_channels;
  EXPECT_NE(wrong_channels.find("expected input with 3 channels"), std::string::npos) << wrong_channels;
  const std::string wrong_rank = error_of<ShapeError>([&] { model(randn({2, 3, 5})); });
  EXPECT_NE(wrong_rank.find("expected 4D input (got 3D input"), std::string::npos) << wrong_rank;
  nn::BatchNorm1d bn1(3);
  const std::string one_value = error_of<ValueError>([&] { bn1(randn({1, 3})); });
  EXPECT_NE(one_value.find("BatchNorm1d"), std::string::npos) << one_value;
  EXPECT_NE(one_value.find("Expected more than 1 value per channel when training, got input size [1, 3]"),
            std::string::npos)
      << one_value;
  // One value per channel is fine in eval (running statistics), as in PyTorch.
  bn1.eval();
  EXPECT_EQ(bn1(randn({1, 3})).shape(), (Shape{1, 3}));
  EXPECT_EQ(error_of<ValueError>([] { nn::BatchNorm2d(0); }), "BatchNorm2d: num_features must be positive, got 0");
  EXPECT_NE(error_of<ValueError>([] { batch_norm(randn({2, 3}), Tensor(), Tensor()); }).find("required"),
            std::string::npos);
}

// An empty batch gives an empty result, as PyTorch's: in training the running statistics stay as
// they were (the counter still advances) and the parameters get zero gradients.
TEST(BatchNorm, EmptyBatch) {
  nn::BatchNorm2d bn(3);
  Tensor x = zeros({0, 3, 4, 4}).requires_grad_(true);
  Tensor y = bn(x);
  EXPECT_EQ(y.shape(), (Shape{0, 3, 4, 4}));
  EXPECT_EQ(bn.running_mean.to_vector(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(bn.running_var.to_vector(), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  sum(y).backward();
  EXPECT_EQ(x.grad().shape(), (Shape{0, 3, 4, 4}));
  EXPECT_EQ(bn.weight.grad().to_vector(), (std::vector<float>{0, 0, 0}));
  bn.eval();
  EXPECT_EQ(bn(zeros({0, 3, 4, 4})).shape(), (Shape{0, 3, 4, 4}));
}

TEST(BatchNorm, TrainingNormalisesEachChannel) {
  manual_seed(1);
  nn::BatchNorm2d bn(3);
  Tensor y = bn(randn({4, 3, 5, 5}) * 3.0f + 2.0f);
  Tensor m = mean(y, {0, 2, 3}), v = var(y, {0, 2, 3}, /*unbiased=*/false);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(m.at(c), 0.0f, 1e-5f);
    EXPECT_NEAR(v.at(c), 1.0f, 1e-3f);  // var / (var + eps)
  }
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
}

TEST(BatchNorm, EvalUsesRunningStatsAndLeavesThemAlone) {
  nn::BatchNorm1d bn(2);
  {
    NoGradGuard no_grad;
    bn.running_mean.copy_(from_vector({1.0f, -2.0f}, {2}));
    bn.running_var.copy_(from_vector({4.0f, 0.25f}, {2}));
  }
  bn.eval();
  Tensor y = bn(from_vector({3.0f, -2.0f, 1.0f, -1.5f}, {2, 2}));
  const float e = 1e-5f;
  EXPECT_NEAR(y.at(0), 2.0f / std::sqrt(4.0f + e), 1e-6f);
  EXPECT_NEAR(y.at(1), 0.0f, 1e-6f);
  EXPECT_NEAR(y.at(3), 0.5f / std::sqrt(0.25f + e), 1e-6f);
  EXPECT_EQ(bn.running_mean.to_vector(), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
}

TEST(BatchNorm, RunningVarUsesTheUnbiasedVariance) {
  Tensor rm = zeros({1}), rv = ones({1});
  batch_norm(from_vector({1.0f, 3.0f}, {2, 1}), rm, rv, Tensor(), Tensor(), true, 0.5f);
  EXPECT_FLOAT_EQ(rm.item(), 1.0f);         // 0.5 * 0 + 0.5 * 2
  EXPECT_FLOAT_EQ(rv.item(), 0.5f + 1.0f);  // 0.5 * 1 + 0.5 * 2 (unbiased: 2, biased: 1)
}

TEST(BatchNorm, CloneAndLoadKeepTheBuffers) {
  manual_seed(2);
  nn::BatchNorm2d bn(3);
  bn(randn({2, 3, 4, 4}));
  auto copy = bn.clone();
  const auto a = bn.state_dict(), b = copy->state_dict();
  ASSERT_EQ(keys(a), keys(b));
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].second.dtype() == kFloat32) EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << a[i].first;
  EXPECT_EQ(dynamic_cast<nn::BatchNorm2d&>(*copy).num_batches_tracked.item<int64_t>(), 1);
  nn::BatchNorm2d fresh(3);
  fresh.load_state_dict(bn.state_dict());
  EXPECT_EQ(fresh.running_mean.to_vector(), bn.running_mean.to_vector());
  EXPECT_EQ(fresh.num_batches_tracked.item<int64_t>(), 1);
}

TEST(BatchNorm, GradientsMatchFiniteDifferencesInTraining) {
  manual_seed(4);
  Tensor gw = randn({3, 2, 4});
  // Weighted, so the gradient is not the trivially zero one of sum(batch_norm(x)).
  expect_gradients_match(
      [&](const V& v) { return sum(mul(batch_norm(v[0], Tensor(), Tensor(), v[1], v[2], true), gw)); },
      {randn({3, 2, 4}) * 2.0f + 1.0f, rand({2}, 0.5f, 1.5f), randn({2})}, 1e-2f, 2e-2f);
  Tensor gw2 = randn({5, 3});
  expect_gradients_match(
      [&](const V& v) { return sum(mul(batch_norm(v[0], Tensor(), Tensor(), v[1], v[2], true, 0.1f, 1e-3f), gw2)); },
      {randn({5, 3}), rand({3}, 0.5f, 1.5f), randn({3})}, 1e-2f, 2e-2f);
}

TEST(BatchNorm, GradientsMatchFiniteDifferencesInEval) {
  manual_seed(6);
  Tensor rm = randn({3}), rv = rand({3}, 0.5f, 2.0f);
  expect_gradients_match([&](const V& v) { return batch_norm(v[0], rm, rv, v[1], v[2], false) * 1.0f; },
                         {randn({2, 3, 2, 2}), rand({3}, 0.5f, 1.5f), randn({3})});
  // Without weight and bias: the input's gradient alone.
  expect_gradients_match([&](const V& v) { return batch_norm(v[0], rm, rv) * 2.0f; }, {randn({2, 3, 2})});
}

// After a convolution the activation is in oneDNN's blocked layout: same values and gradients as
// on the row-major copy of it.
TEST(BatchNorm, AfterAConvolutionInABlockedLayout) {
  manual_seed(10);
  Tensor x = randn({2, 3, 8, 8}), w = randn({16, 3, 3, 3}).requires_grad_(true);
  Tensor gw = randn({2, 16, 8, 8});
  nn::BatchNorm2d bn_a(16), bn_b(16);
  Tensor conv_out = conv2d(x, w, Tensor(), {1, 1}, {1, 1});
  Tensor plain = from_vector(conv_out.to_vector(), conv_out.shape()).requires_grad_(true);
  Tensor ya = bn_a(conv_out), yb = bn_b(plain);
  testing::expect_close(ya, yb, 1e-5, 1e-6, "forward");
  sum(mul(ya, gw)).backward();
  sum(mul(yb, gw)).backward();
  testing::expect_close(bn_a.weight.grad(), bn_b.weight.grad(), 1e-4, 1e-5, "grad_weight");
  testing::expect_close(bn_a.running_var, bn_b.running_var, 1e-5, 1e-6, "running_var");
  EXPECT_TRUE(w.grad().defined());
}

TEST(BatchNorm, RunningStatsGetNoGraph) {
  nn::BatchNorm2d bn(2);
  Tensor x = randn({2, 2, 3, 3}).requires_grad_(true);
  sum(bn(x)).backward();
  EXPECT_FALSE(bn.running_mean.requires_grad());
  EXPECT_FALSE(bn.running_mean.grad_fn());
  EXPECT_TRUE(x.grad().defined());
}

}  // namespace
}  // namespace fovea
