// AdamW, RMSprop, and parameter groups of SGD and Adam against torch 1.13's steps
// (tests/fixtures/optim.safetensors, written by tests/parity/make_optim_fixtures.py): three steps
// on fixed parameters and gradients, the parameters compared after each.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "fovea/io/safetensors.hpp"
#include "fovea/optim/optimizer.hpp"
#include "support/fixture_file.hpp"

using namespace fovea;
using namespace fovea::optim;

namespace {

Tensor fx(const std::string& name) { return fovea::testing::fixture("optim.safetensors", name); }

std::vector<Tensor> initial_params() {
  return {fx("opt.init.p0").clone().requires_grad_(), fx("opt.init.p1").clone().requires_grad_()};
}

using Make = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>&)>;

// Steps `make`'s optimizer three times with the fixture's gradients, comparing after each step.
void expect_torch_steps(const std::string& name, const Make& make) {
  std::vector<Tensor> p = initial_params();
  auto opt = make(p);
  for (int t = 0; t < 3; ++t) {
    for (size_t i = 0; i < p.size(); ++i) p[i].set_grad(fx("opt.grad.p" + std::to_string(i) + "." + std::to_string(t)).clone());
    opt->step();
    for (size_t i = 0; i < p.size(); ++i) {
      const std::vector<float> ours = p[i].to_vector(),
                               torch = fx("opt." + name + ".p" + std::to_string(i) + "." + std::to_string(t)).to_vector();
      ASSERT_EQ(ours.size(), torch.size());
      for (size_t k = 0; k < ours.size(); ++k)
        EXPECT_NEAR(ours[k], torch[k], 1e-6 + 1e-6 * std::abs(torch[k]))
            << name << " parameter " << i << " step " << t << " element " << k;
    }
  }
  // The steps moved the parameters (a test that compares unchanged copies proves nothing).
  EXPECT_NE(p[0].to_vector(), fx("opt.init.p0").to_vector()) << name;
}

}  // namespace

TEST(OptimParity, AdamWMatchesTorch) {
  expect_torch_steps("adamw_default", [](std::vector<Tensor>& p) { return std::make_unique<AdamW>(p); });
  expect_torch_steps("adamw_amsgrad", [](std::vector<Tensor>& p) {
    return std::make_unique<AdamW>(
        p, AdamWOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = true});
  });
  expect_torch_steps("adamw_groups", [](std::vector<Tensor>& p) {
    return std::make_unique<AdamW>(std::vector<AdamW::Group>{
        {{p[0]}, {.lr = 0.05}}, {{p[1]}, {.lr = 0.01, .weight_decay = 0.0, .amsgrad = true}}});
  });
}

TEST(OptimParity, AdamWeightDecayMatchesTorch) {
  expect_torch_steps("adam_weight_decay", [](std::vector<Tensor>& p) {
    return std::make_unique<Adam>(p, AdamOptions{.lr = 0.02, .weight_decay = 0.1});
  });
}

TEST(OptimParity, SgdGroupsMatchTorch) {
  expect_torch_steps("sgd_groups", [](std::vector<Tensor>& p) {
    return std::make_unique<SGD>(std::vector<SGD::Group>{
        {{p[0]}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01}},
        {{p[1]}, {.lr = 0.3, .momentum = 0.5, .nesterov = true}}});
  });
}

TEST(OptimParity, RMSpropMatchesTorch) {
  expect_torch_steps("rmsprop_default", [](std::vector<Tensor>& p) { return std::make_unique<RMSprop>(p); });
  expect_torch_steps("rmsprop_momentum", [](std::vector<Tensor>& p) {
    return std::make_unique<RMSprop>(p, RMSpropOptions{.lr = 0.02, .weight_decay = 0.05, .momentum = 0.9});
  });
  expect_torch_steps("rmsprop_centered", [](std::vector<Tensor>& p) {
    return std::make_unique<RMSprop>(
        p, RMSpropOptions{.lr = 0.005, .alpha = 0.9, .eps = 1e-6, .momentum = 0.5, .centered = true});
  });
  expect_torch_steps("rmsprop_groups", [](std::vector<Tensor>& p) {
    return std::make_unique<RMSprop>(std::vector<RMSprop::Group>{
        {{p[0]}, {.centered = true}}, {{p[1]}, {.lr = 0.03, .momentum = 0.7}}});
  });
}
