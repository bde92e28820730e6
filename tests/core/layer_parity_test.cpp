// The layers of issue 11 against PyTorch 1.13 (tests/fixtures/layers.safetensors, written by
// tests/parity/make_layer_fixtures.py): forward values, the input gradient of sum(out * gw), and
// for BatchNorm the parameter gradients, two steps of running statistics and eval mode.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "fovea/autograd.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"

namespace fovea {
namespace {

const std::map<std::string, Tensor>& fixtures() {
  static const auto f = io::load_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/layers.safetensors");
  return f;
}

Tensor fx(const std::string& name) {
  auto it = fixtures().find(name);
  if (it == fixtures().end()) throw Error("layers.safetensors has no tensor " + name);
  return it->second;
}

// Within 2e-5 absolute plus 2e-5 relative: float32 against float32 computed in another order.
void expect_near(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const auto g = got.to_vector(), w = want.to_vector();
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(g[i], w[i], 2e-5 + 2e-5 * std::fabs(w[i])) << what << " [" << i << "]";
}

// Runs `module` on prefix.in and compares out and the gradient of sum(out * gw).
void check_module(nn::Module& module, const std::string& prefix) {
  Tensor x = fx(prefix + ".in").clone().requires_grad_(true);
  Tensor out = module(x);
  expect_near(out, fx(prefix + ".out"), prefix + ".out");
  sum(mul(out, fx(prefix + ".gw"))).backward();
  expect_near(x.grad(), fx(prefix + ".grad"), prefix + ".grad");
}

TEST(LayerParity, Activations) {
  struct Case {
    const char* name;
    std::shared_ptr<nn::Module> module;
  };
  const Case cases[] = {
      {"leaky_relu", std::make_shared<nn::LeakyReLU>()},
      {"leaky_relu_0.2", std::make_shared<nn::LeakyReLU>(0.2f)},
      {"gelu", std::make_shared<nn::GELU>()},
      {"gelu_tanh", std::make_shared<nn::GELU>("tanh")},
      {"silu", std::make_shared<nn::SiLU>()},
      {"sigmoid", std::make_shared<nn::Sigmoid>()},
      {"tanh", std::make_shared<nn::Tanh>()},
      {"softmax_1", std::make_shared<nn::Softmax>(1)},
      {"softmax_-1", std::make_shared<nn::Softmax>(-1)},
      // Under a graph ReLU(inplace=true) computes out of place: PyTorch's values and gradient.
      {"relu_inplace", std::make_shared<nn::ReLU>(true)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    check_module(*c.module, std::string("act.") + c.name);
  }
}

TEST(LayerParity, AdaptivePooling) {
  struct Case {
    const char* name;
    std::shared_ptr<nn::Module> module;
  };
  const Case cases[] = {
      {"avg_1", std::make_shared<nn::AdaptiveAvgPool2d>(1)},
      {"avg_3x4", std::make_shared<nn::AdaptiveAvgPool2d>(nn::Pair(3, 4))},
      {"avg_5x5", std::make_shared<nn::AdaptiveAvgPool2d>(5)},
      {"avg_same", std::make_shared<nn::AdaptiveAvgPool2d>(nn::Pair(7, 9))},
      {"avg_3d", std::make_shared<nn::AdaptiveAvgPool2d>(nn::Pair(2, 3))},
      {"max_1", std::make_shared<nn::AdaptiveMaxPool2d>(1)},
      {"max_3x4", std::make_shared<nn::AdaptiveMaxPool2d>(nn::Pair(3, 4))},
      {"max_5x5", std::make_shared<nn::AdaptiveMaxPool2d>(5)},
      {"max_3d", std::make_shared<nn::AdaptiveMaxPool2d>(nn::Pair(2, 3))},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    check_module(*c.module, std::string("pool.") + c.name);
  }
}

// One BatchNorm fixture: set the affine parameters, two training steps (outputs and all three
// gradients each), the buffers after them, then one eval step.
void check_batch_norm(nn::BatchNorm& bn, const std::string& name) {
  const std::string prefix = "bn." + name;
  if (bn.affine()) {
    NoGradGuard no_grad;
    bn.weight.copy_(fx(prefix + ".weight"));
    bn.bias.copy_(fx(prefix + ".bias"));
  }
  auto step = [&](const std::string& tag) {
    SCOPED_TRACE(tag);
    const std::string p = prefix + "." + tag;
    Tensor x = fx(p + ".in").clone().requires_grad_(true);
    Tensor out = bn(x);
    expect_near(out, fx(p + ".out"), p + ".out");
    sum(mul(out, fx(p + ".gw"))).backward();
    expect_near(x.grad(), fx(p + ".grad_in"), p + ".grad_in");
    if (bn.affine()) {
      expect_near(bn.weight.grad(), fx(p + ".grad_weight"), p + ".grad_weight");
      expect_near(bn.bias.grad(), fx(p + ".grad_bias"), p + ".grad_bias");
      bn.zero_grad();
    }
  };
  bn.train();
  step("step1");
  step("step2");
  if (bn.track_running_stats()) {
    expect_near(bn.running_mean, fx(prefix + ".running_mean"), prefix + ".running_mean");
    expect_near(bn.running_var, fx(prefix + ".running_var"), prefix + ".running_var");
    EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), fx(prefix + ".num_batches_tracked").item<int64_t>());
  }
  bn.eval();
  step("eval");
}

TEST(LayerParity, BatchNorm2d) {
  nn::BatchNorm2d bn(3);
  check_batch_norm(bn, "2d");
}

TEST(LayerParity, BatchNorm1dOnMatrices) {
  nn::BatchNorm1d bn(5);
  check_batch_norm(bn, "1d_2d");
}

TEST(LayerParity, BatchNorm1dOnSequences) {
  nn::BatchNorm1d bn(4);
  check_batch_norm(bn, "1d_3d");
}

TEST(LayerParity, BatchNormCumulativeAverageWhenMomentumIsNone) {
  nn::BatchNorm2d bn(3, 1e-5f, std::nullopt);
  check_batch_norm(bn, "2d_cumulative");
}

TEST(LayerParity, BatchNormMomentumAndEps) {
  nn::BatchNorm2d bn(2, 1e-3f, 0.3f);
  check_batch_norm(bn, "2d_momentum");
}

TEST(LayerParity, BatchNormWithoutAffine) {
  nn::BatchNorm2d bn(3, 1e-5f, 0.1f, /*affine=*/false);
  check_batch_norm(bn, "2d_no_affine");
}

TEST(LayerParity, BatchNormWithoutRunningStatsUsesBatchStatsInEval) {
  nn::BatchNorm2d bn(3, 1e-5f, 0.1f, true, /*track_running_stats=*/false);
  check_batch_norm(bn, "2d_no_stats");
}

// Conv2d with groups and dilation, PyTorch's weights loaded: output and all three gradients.
TEST(LayerParity, Conv2dGroupsAndDilation) {
  struct Case {
    const char* name;
    nn::Conv2d conv;
  };
  Case cases[] = {
      {"groups2", nn::Conv2d(6, 4, 3, 1, 1, 1, 2)},
      {"depthwise", nn::Conv2d(4, 4, 3, 1, 0, 1, 4, /*bias=*/false)},
      {"dilation2", nn::Conv2d(3, 5, 3, 1, 2, 2)},
      {"mixed", nn::Conv2d(4, 6, nn::Pair(3, 2), nn::Pair(2, 1), nn::Pair(1, 0), nn::Pair(3, 2), 2)},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string p = std::string("conv.") + c.name;
    {
      NoGradGuard no_grad;
      c.conv.weight.copy_(fx(p + ".weight"));
      if (c.conv.bias.defined()) c.conv.bias.copy_(fx(p + ".bias"));
    }
    Tensor x = fx(p + ".in").clone().requires_grad_(true);
    Tensor out = c.conv(x);
    expect_near(out, fx(p + ".out"), p + ".out");
    sum(mul(out, fx(p + ".gw"))).backward();
    expect_near(x.grad(), fx(p + ".grad"), p + ".grad");
    expect_near(c.conv.weight.grad(), fx(p + ".grad_weight"), p + ".grad_weight");
    if (c.conv.bias.defined()) expect_near(c.conv.bias.grad(), fx(p + ".grad_bias"), p + ".grad_bias");
  }
}

}  // namespace
}  // namespace fovea
