// Parameter groups (per-group hyperparameters, lr read and set after construction, state_dict of
// every group), AdamW's and RMSprop's formulas and state, and their bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "support/expect_tensor.hpp"

using namespace fovea;
using fovea::testing::error_of;
using fovea::testing::expect_contains;
using namespace fovea::optim;

namespace {

Tensor param(std::vector<float> values) {
  const auto n = static_cast<int64_t>(values.size());
  return from_vector(values, {n}).requires_grad_();
}

void set_grads(std::vector<Tensor>& params, float value) {
  for (Tensor& p : params) p.set_grad(full(p.shape(), value));
}

}  // namespace

TEST(OptimGroups, EachGroupStepsWithItsOwnHyperparameters) {
  Tensor a = param({1, 2}), b = param({1, 2});
  SGD sgd(std::vector<SGD::Group>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.5, .weight_decay = 1.0}}});
  std::vector<Tensor> both = {a, b};
  set_grads(both, 1.0f);
  sgd.step();
  EXPECT_EQ(a.to_vector(), (std::vector<float>{1 - 0.1f, 2 - 0.1f}));
  // p - lr (g + wd p) = 1 - 0.5 * 2, 2 - 0.5 * 3
  EXPECT_EQ(b.to_vector(), (std::vector<float>{0.0f, 0.5f}));
  EXPECT_EQ(sgd.num_param_groups(), 2u);
  EXPECT_EQ(sgd.params().size(), 2u);
  EXPECT_EQ(sgd.param_groups()[1].options.weight_decay, 1.0);
}

TEST(OptimGroups, LrIsReadableAndSettable) {
  Tensor a = param({1}), b = param({1});
  Adam adam(std::vector<Adam::Group>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.2}}});
  EXPECT_EQ(adam.lr(1), 0.2);
  adam.set_lr(1, 0.05);
  EXPECT_EQ(adam.lr(1), 0.05);
  EXPECT_EQ(adam.param_groups()[1].options.lr, 0.05);
  adam.options(0).lr = 0.3;  // as torch's optimizer.param_groups[0]["lr"] = 0.3
  EXPECT_EQ(adam.lr(), 0.3);
  expect_contains(error_of<ValueError>([&] { adam.set_lr(0, -1.0); }), {"Adam.set_lr", "invalid learning rate -1"});
  EXPECT_THROW(adam.set_lr(2, 0.1), IndexError);
  EXPECT_EQ(adam.lr(0), 0.3);
}

TEST(OptimGroups, StateDictCarriesEveryGroupAndLoadsBack) {
  Tensor a = param({1, 2}), b = param({3});
  RMSprop original(std::vector<RMSprop::Group>{{{a}, {.lr = 0.1, .centered = true}}, {{b}, {.momentum = 0.5}}});
  std::vector<Tensor> both = {a, b};
  set_grads(both, 0.5f);
  original.step();
  OptimizerState s = original.state_dict();
  ASSERT_EQ(s.param_groups.size(), 2u);
  EXPECT_EQ(s.param_groups[0].at("centered"), 1.0);
  EXPECT_EQ(s.param_groups[1].at("momentum"), 0.5);
  std::vector<std::string> keys;
  for (auto& [k, t] : s.state) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"state.0.step", "state.0.square_avg", "state.0.grad_avg", "state.1.step",
                                            "state.1.square_avg", "state.1.momentum_buffer"}));

  Tensor c = param({1, 2}), d = param({3});
  RMSprop resumed(std::vector<RMSprop::Group>{{{c}, {}}, {{d}, {}}});
  resumed.load_state_dict(s);
  EXPECT_EQ(resumed.options(0).centered, true);
  EXPECT_EQ(resumed.options(1).momentum, 0.5);
  EXPECT_EQ(resumed.state_dict().state.size(), s.state.size());

  // Another number of groups, and a group with bad values: one error for all, nothing changes.
  RMSprop one_group(std::vector<Tensor>{param({1, 2}), param({3})});
  expect_contains(error_of<ValueError>([&] { one_group.load_state_dict(s); }), {"RMSprop.load_state_dict", "2 parameter groups given, 1 expected"});
  OptimizerState bad = s;
  bad.param_groups[1]["alpha"] = -1;
  bad.param_groups[0].erase("eps");
  expect_contains(error_of<ValueError>([&] { resumed.load_state_dict(bad); }),
               {"param_groups[0]: missing hyperparameter 'eps'", "param_groups[1]: RMSprop: invalid alpha -1"});
  EXPECT_EQ(resumed.options(1).alpha, 0.99);
}

TEST(OptimGroups, SingleGroupStateOfTheOldFormatStillLoads) {
  // What a checkpoint of before parameter groups holds: hyperparameters of one group.
  Tensor a = param({1, 2});
  SGD sgd({a}, {.lr = 0.5});
  OptimizerState old;
  old.param_groups = {{{"lr", 0.25}, {"momentum", 0.9}, {"dampening", 0}, {"weight_decay", 0}, {"nesterov", 0}}};
  old.state.emplace_back("state.0.momentum_buffer", full({2}, 1.0f));
  sgd.load_state_dict(old);
  EXPECT_EQ(sgd.lr(), 0.25);
  EXPECT_EQ(sgd.momentum_buffer(0).to_vector(), (std::vector<float>{1, 1}));
}

TEST(OptimGroups, BadGroupsAreRefused) {
  Tensor a = param({1});
  expect_contains(error_of<ValueError>([&] { SGD(std::vector<SGD::Group>{}); }), {"empty list of parameter groups"});
  expect_contains(error_of<ValueError>([&] { SGD(std::vector<SGD::Group>{{{a}, {}}, {{}, {}}}); }), {"empty parameter list in group 1"});
  expect_contains(error_of<ValueError>([&] { SGD(std::vector<SGD::Group>{{{a}, {}}, {{a}, {}}}); }), {"parameter 1 is parameter 0 again"});
  expect_contains(error_of<ValueError>([&] { SGD(std::vector<SGD::Group>{{{a}, {}}, {{param({2})}, {.lr = -0.1}}}); }),
               {"SGD", "invalid learning rate -0.1"});
}

TEST(OptimGroups, BadArgumentsNameTheClassAndTheArgument) {
  std::vector<Tensor> p = {param({1})};
  expect_contains(error_of<ValueError>([&] { AdamW(p, {.lr = -1}); }), {"AdamW", "learning rate", "-1"});
  expect_contains(error_of<ValueError>([&] { AdamW(p, {.beta1 = 1.0}); }), {"AdamW", "beta parameter at index 0", "[0, 1)"});
  expect_contains(error_of<ValueError>([&] { AdamW(p, {.beta2 = -0.1}); }), {"AdamW", "beta parameter at index 1"});
  expect_contains(error_of<ValueError>([&] { AdamW(p, {.eps = -1e-8}); }), {"AdamW", "epsilon"});
  expect_contains(error_of<ValueError>([&] { AdamW(p, {.weight_decay = -0.01}); }), {"AdamW", "weight_decay"});
  expect_contains(error_of<ValueError>([&] { Adam(p, {.beta2 = 1.0}); }), {"Adam:", "beta parameter at index 1"});
  expect_contains(error_of<ValueError>([&] { RMSprop(p, {.lr = -0.01}); }), {"RMSprop", "learning rate"});
  expect_contains(error_of<ValueError>([&] { RMSprop(p, {.alpha = -0.5}); }), {"RMSprop", "alpha", "-0.5"});
  expect_contains(error_of<ValueError>([&] { RMSprop(p, {.eps = -1}); }), {"RMSprop", "epsilon"});
  expect_contains(error_of<ValueError>([&] { RMSprop(p, {.weight_decay = -1}); }), {"RMSprop", "weight_decay"});
  expect_contains(error_of<ValueError>([&] { RMSprop(p, {.momentum = -0.9}); }), {"RMSprop", "momentum"});
}

TEST(OptimGroups, AdamWDecaysApartFromTheGradient) {
  // With a zero gradient Adam's moments stay 0 and only the decay moves p: p (1 - lr wd).
  Tensor a = param({2, -4});
  AdamW adamw({a}, {.lr = 0.1, .weight_decay = 0.5});
  a.set_grad(zeros({2}));
  adamw.step();
  EXPECT_EQ(a.to_vector(), (std::vector<float>{2 * float(1 - 0.05), -4 * float(1 - 0.05)}));
  EXPECT_EQ(AdamWOptions{}.weight_decay, 1e-2);  // torch's default, unlike Adam's 0
}

TEST(OptimGroups, RMSpropFirstStepIsTheFormula) {
  // sq = (1 - alpha) g^2, p -= lr g / (sqrt(sq) + eps) = lr / sqrt(1 - alpha) for g > 0.
  Tensor a = param({1});
  RMSprop rms({a}, {.lr = 0.01, .alpha = 0.75, .eps = 0});
  a.set_grad(full({1}, 3.0f));
  rms.step();
  EXPECT_NEAR(a.to_vector()[0], 1 - 0.01 / std::sqrt(0.25), 1e-7);
}
