// Modules (names, summary, initialisation, errors) and optimizers (exact update rules).
#include <gtest/gtest.h>

#include <cmath>

#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/ops.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/random.hpp"

using namespace fovea;

TEST(Module, SummaryMatchesPyTorchPrint) {
  models::CNNNet model;
  // What print(model) shows for the seed's CNN_net in PyTorch 1.13.
  const char* expected = R"(CNN_net(
  (conv1): Sequential(
    (0): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (1): ReLU(inplace=True)
    (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (conv2): Sequential(
    (0): Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (1): ReLU(inplace=True)
    (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (dense): Sequential(
    (0): Linear(in_features=1568, out_features=128, bias=True)
    (1): ReLU()
    (2): Dropout(p=0.5, inplace=False)
    (3): Linear(in_features=128, out_features=10, bias=True)
  )
))";
  EXPECT_EQ(model.repr(), expected);
}

TEST(Module, ParameterNamesAreStateDictKeys) {
  models::CNNNet model;
  std::vector<std::string> names;
  for (auto& [name, p] : model.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv1.0.weight", "conv1.0.bias", "conv2.0.weight", "conv2.0.bias",
                                             "dense.0.weight", "dense.0.bias", "dense.3.weight", "dense.3.bias"}));
  int64_t count = 0;
  for (const Tensor& p : model.parameters()) count += p.numel();
  EXPECT_EQ(count, 16 * 9 + 16 + 32 * 16 * 9 + 32 + 1568 * 128 + 128 + 1280 + 10);
}

TEST(Module, DefaultInitialisationIsPyTorchsUniformBound) {
  manual_seed(1);
  nn::Linear fc(1568, 128);
  float bound = 1.0f / std::sqrt(1568.0f);
  float lo = 1, hi = -1;
  double sum_sq = 0;
  for (float v : fc.weight.to_vector()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum_sq += double(v) * v;
  }
  EXPECT_GE(lo, -bound);
  EXPECT_LE(hi, bound);
  EXPECT_GT(hi, 0.99f * bound);  // the whole range is used
  // Variance of U(-b, b) is b^2 / 3.
  EXPECT_NEAR(sum_sq / fc.weight.numel(), bound * bound / 3, 0.02 * bound * bound);
  nn::Conv2d conv(16, 32, 3);
  float cbound = 1.0f / std::sqrt(16.0f * 9);
  for (float v : conv.bias.to_vector()) EXPECT_LE(std::fabs(v), cbound);
}

TEST(Module, TrainEvalReachesChildren) {
  models::CNNNet model;
  model.eval();
  EXPECT_FALSE((*model.dense)[2]->is_training());
  model.train();
  EXPECT_TRUE((*model.dense)[2]->is_training());
}

TEST(Module, LinearInputMismatchNamesLayerAndShapes) {
  models::CNNNet model;
  try {
    (*model.dense)(zeros({2, 1560}));
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("Linear(in_features=1568, out_features=128, bias=True)"), std::string::npos) << m;
    EXPECT_NE(m.find("dense.0"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 1560]"), std::string::npos) << m;
    EXPECT_NE(m.find("[128, 1568]"), std::string::npos) << m;
  }
  EXPECT_THROW(model(zeros({2, 3, 28, 28})), ShapeError);  // conv1 expects 1 channel
  EXPECT_THROW(nn::Linear(0, 3), ValueError);
  EXPECT_THROW(nn::Dropout(-0.1f), ValueError);
}

TEST(Optim, SgdMatchesTheFormulaTermForTerm) {
  Tensor p = from_vector({1.0f, -2.0f}, {2}).requires_grad_();
  optim::SGD sgd({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.2, .weight_decay = 0.01, .nesterov = false});
  p.set_grad(from_vector({0.5f, 1.0f}, {2}));
  sgd.step();
  // step 1: d = g + wd p; buf = d; p -= lr buf
  float d0 = 0.5f + 0.01f * 1.0f, w0 = 1.0f - 0.1f * d0;
  EXPECT_FLOAT_EQ(p.at(0), w0);
  p.set_grad(from_vector({0.5f, 1.0f}, {2}));
  sgd.step();
  float d1 = 0.5f + 0.01f * w0, buf = 0.9f * d0 + 0.8f * d1;
  EXPECT_FLOAT_EQ(p.at(0), w0 - 0.1f * buf);
}

TEST(Optim, NesterovAndValidation) {
  Tensor p = from_vector({1.0f}, {1}).requires_grad_();
  optim::SGD sgd({p}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  p.set_grad(from_vector({2.0f}, {1}));
  sgd.step();
  EXPECT_FLOAT_EQ(p.item(), 1.0f - 0.1f * (2.0f + 0.9f * 2.0f));
  EXPECT_THROW(optim::SGD({p}, {.lr = -1.0}), ValueError);
  EXPECT_THROW(optim::SGD({p}, {.lr = 0.1, .nesterov = true}), ValueError);
  EXPECT_THROW(optim::Adam({p}, {.lr = -0.5}), ValueError);
  EXPECT_THROW(optim::SGD({}, {}), ValueError);
}

TEST(Optim, ZeroGradDropsGradientsAndSkipsThemInStep) {
  Tensor p = from_vector({1.0f}, {1}).requires_grad_();
  optim::Adam adam({p}, {});
  adam.step();  // no gradient: untouched
  EXPECT_EQ(p.item(), 1.0f);
  p.set_grad(from_vector({1.0f}, {1}));
  adam.step();
  EXPECT_NEAR(p.item(), 1.0f - 1e-3f, 1e-6);  // Adam's first step moves by lr
  adam.zero_grad();
  EXPECT_FALSE(p.grad().defined());
}
