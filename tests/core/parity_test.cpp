// fovea against PyTorch's own numbers (tests/fixtures/parity.safetensors, written by
// tests/parity/make_fixtures.py with Debian's python3-torch): the seed CNN's outputs, every
// parameter's gradient, SGD-momentum and Adam steps, and the standalone ops.
#include <gtest/gtest.h>

#include <map>

#include "fovea/autograd.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "fovea/optim/optimizer.hpp"
#include "support/gradcheck.hpp"

using namespace fovea;
using fovea::testing::expect_close;

namespace {

const std::map<std::string, Tensor>& fixtures() {
  static const auto f = io::load_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/parity.safetensors");
  return f;
}

Tensor fx(const std::string& name) {
  auto it = fixtures().find(name);
  if (it == fixtures().end()) throw std::runtime_error("fixture " + name + " missing");
  return it->second;
}

Tensor labels(const std::string& name) { return fx(name).to(kInt64); }

// The seed CNN with PyTorch's initial weights, in eval mode (dropout's mask cannot match).
std::unique_ptr<models::CNNNet> model_from_fixtures() {
  auto model = std::make_unique<models::CNNNet>();
  NoGradGuard no_grad;
  for (auto& [name, p] : model->named_parameters()) p.copy_(fx("init." + name));
  model->eval();
  return model;
}

void train_step(models::CNNNet& model, optim::Optimizer& opt, const std::string& batch) {
  Tensor loss = cross_entropy(model(fx("input_" + batch)), labels("target_" + batch));
  opt.zero_grad();
  loss.backward();
  opt.step();
}

}  // namespace

TEST(Parity, SeedCnnForwardLossAndEveryGradient) {
  auto model = model_from_fixtures();
  Tensor logits = (*model)(fx("input_a"));
  expect_close(logits, fx("logits_a"), 1e-4, 1e-6, "logits");
  Tensor loss = cross_entropy(logits, labels("target_a"));
  EXPECT_NEAR(loss.item(), fx("loss_a").item(), 1e-4 * std::fabs(fx("loss_a").item()));
  loss.backward();
  for (auto& [name, p] : model->named_parameters()) expect_close(p.grad(), fx("grad." + name), 1e-4, 1e-7, name);
}

TEST(Parity, TwoSgdMomentumSteps) {
  auto model = model_from_fixtures();
  optim::SGD sgd(model->parameters(), {.lr = 1e-3, .momentum = 0.95});
  train_step(*model, sgd, "a");
  for (auto& [name, p] : model->named_parameters()) expect_close(p, fx("sgd1." + name), 1e-4, 1e-7, "sgd1." + name);
  train_step(*model, sgd, "b");
  for (auto& [name, p] : model->named_parameters()) expect_close(p, fx("sgd2." + name), 1e-4, 1e-7, "sgd2." + name);
}

TEST(Parity, TwoAdamSteps) {
  auto model = model_from_fixtures();
  optim::Adam adam(model->parameters(), {.lr = 1e-3});
  train_step(*model, adam, "a");
  train_step(*model, adam, "b");
  for (auto& [name, p] : model->named_parameters()) expect_close(p, fx("adam2." + name), 1e-4, 1e-6, "adam2." + name);
}

TEST(Parity, CrossEntropyAndLogSoftmax) {
  Tensor logits = fx("ce.logits").clone().requires_grad_();
  Tensor loss = cross_entropy(logits, labels("ce.target"));
  EXPECT_NEAR(loss.item(), fx("ce.loss").item(), 1e-5 * std::fabs(fx("ce.loss").item()));
  loss.backward();
  expect_close(logits.grad(), fx("ce.grad"), 1e-4, 1e-7, "cross_entropy grad");
  expect_close(log_softmax(fx("lsm.input"), 1), fx("lsm.output"), 1e-6, 1e-5, "log_softmax of huge logits");
}

TEST(Parity, PoolingForwardAndBackward) {
  struct Case {
    const char* name;
    Tensor (*fn)(const Tensor&, std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>);
    std::pair<int64_t, int64_t> k, s, p;
  };
  for (const Case& c : {Case{"maxpool", max_pool2d, {3, 3}, {2, 2}, {1, 1}}, Case{"avgpool", avg_pool2d, {3, 3}, {2, 2}, {1, 1}},
                        Case{"maxpool2", max_pool2d, {2, 2}, {2, 2}, {0, 0}}}) {
    std::string n = c.name;
    Tensor x = fx(n + ".input").clone().requires_grad_();
    Tensor y = c.fn(x, c.k, c.s, c.p);
    expect_close(y, fx(n + ".output"), 1e-5, 1e-7, n + " output");
    y.backward(fx(n + ".grad_output"));
    expect_close(x.grad(), fx(n + ".grad_input"), 1e-5, 1e-7, n + " grad_input");
  }
}

TEST(Parity, Conv2dStridePaddingAsymmetricKernel) {
  Tensor x = fx("conv.input").clone().requires_grad_();
  Tensor w = fx("conv.weight").clone().requires_grad_();
  Tensor b = fx("conv.bias").clone().requires_grad_();
  Tensor y = conv2d(x, w, b, {2, 2}, {2, 2});
  expect_close(y, fx("conv.output"), 1e-4, 1e-6, "conv output");
  y.backward(fx("conv.grad_output"));
  expect_close(x.grad(), fx("conv.grad_input"), 1e-4, 1e-6, "conv grad_input");
  expect_close(w.grad(), fx("conv.grad_weight"), 1e-4, 1e-6, "conv grad_weight");
  expect_close(b.grad(), fx("conv.grad_bias"), 1e-4, 1e-6, "conv grad_bias");
}

TEST(Parity, DropoutScaling) {
  manual_seed(5);
  Tensor y = dropout(ones({1000}), 0.3f, true);
  for (float v : y.to_vector())
    if (v != 0.0f) ASSERT_FLOAT_EQ(v, fx("dropout.p03_survivor_value").item());
}
