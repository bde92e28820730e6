// Optimizer state: state_dict in torch's structure (flattened), and a load that resumes exactly
// or refuses, naming every problem, without changing anything.
#include <gtest/gtest.h>

#include <memory>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/random.hpp"

using namespace fovea;

namespace {

// Two parameters of different shapes, with gradients that change from step to step.
std::vector<Tensor> make_params() {
  return {from_vector({1, -2, 3, 0.5f, -1, 2}, {2, 3}).requires_grad_(), from_vector({0.25f, -4}, {2}).requires_grad_()};
}

void step_n(optim::Optimizer& opt, std::vector<Tensor>& params, int n, int offset) {
  for (int s = 0; s < n; ++s) {
    for (Tensor& p : params) {
      std::vector<float> g = p.to_vector();
      for (size_t k = 0; k < g.size(); ++k) g[k] = 0.1f * g[k] + 0.01f * float((s + offset) * 7 + int(k) % 5) - 0.02f;
      p.set_grad(from_vector(g, p.shape()));
    }
    opt.step();
  }
}

std::vector<Tensor> copies(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) out.push_back(from_vector(p.to_vector(), p.shape()).requires_grad_());
  return out;
}

std::vector<std::string> keys(const NamedTensors& tensors) {
  std::vector<std::string> out;
  for (auto& [k, t] : tensors) out.push_back(k);
  return out;
}

// Resuming from a state_dict continues exactly as the original goes on.
template <typename Opt, typename Options>
void expect_exact_resume(Options options, Options other_options) {
  std::vector<Tensor> a = make_params();
  Opt original(a, options);
  step_n(original, a, 3, 0);

  std::vector<Tensor> b = copies(a);
  Opt resumed(b, other_options);  // other hyperparameters: the load restores them
  resumed.load_state_dict(original.state_dict());
  step_n(original, a, 2, 3);
  step_n(resumed, b, 2, 3);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_vector(), b[i].to_vector()) << "parameter " << i;
}

std::string load_error(optim::Optimizer& opt, const optim::OptimizerState& state) {
  try {
    opt.load_state_dict(state);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(OptimState, SgdStateIsTorchsStructure) {
  std::vector<Tensor> p = make_params();
  optim::SGD sgd(p, {.lr = 0.1, .momentum = 0.9});
  EXPECT_TRUE(sgd.state_dict().state.empty());  // nothing before the first step, as torch
  step_n(sgd, p, 1, 0);
  optim::OptimizerState s = sgd.state_dict();
  EXPECT_EQ(keys(s.state), (std::vector<std::string>{"state.0.momentum_buffer", "state.1.momentum_buffer"}));
  EXPECT_EQ(s.param_groups[0], (std::map<std::string, double>{
                                   {"lr", 0.1}, {"momentum", 0.9}, {"dampening", 0}, {"weight_decay", 0}, {"nesterov", 0}}));
}

TEST(OptimState, AdamStateIsTorchsStructure) {
  std::vector<Tensor> p = make_params();
  optim::Adam adam(p, {.amsgrad = true});
  step_n(adam, p, 2, 0);
  optim::OptimizerState s = adam.state_dict();
  EXPECT_EQ(keys(s.state), (std::vector<std::string>{"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                                                     "state.0.max_exp_avg_sq", "state.1.step", "state.1.exp_avg",
                                                     "state.1.exp_avg_sq", "state.1.max_exp_avg_sq"}));
  EXPECT_EQ(s.state[0].second.shape(), Shape{});
  EXPECT_EQ(s.state[0].second.item(), 2.0f);
  EXPECT_EQ(s.param_groups[0].at("betas.1"), 0.999);
  EXPECT_EQ(s.param_groups[0].at("amsgrad"), 1.0);
}

TEST(OptimState, SgdResumesExactly) {
  expect_exact_resume<optim::SGD>(optim::SGDOptions{.lr = 0.05, .momentum = 0.95, .weight_decay = 0.01},
                                  optim::SGDOptions{.lr = 1.0});
  expect_exact_resume<optim::SGD>(optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true},
                                  optim::SGDOptions{.lr = 1.0, .momentum = 0.5});
}

TEST(OptimState, AdamResumesExactly) {
  expect_exact_resume<optim::Adam>(optim::AdamOptions{.lr = 0.01}, optim::AdamOptions{.lr = 0.5});
  expect_exact_resume<optim::Adam>(optim::AdamOptions{.lr = 0.01, .weight_decay = 0.1, .amsgrad = true},
                                   optim::AdamOptions{});
}

TEST(OptimState, BadStateNamesEveryProblemAndChangesNothing) {
  std::vector<Tensor> p = make_params();
  optim::Adam adam(p, {.lr = 0.01});
  step_n(adam, p, 2, 0);
  const std::vector<float> before = adam.state_dict().state[1].second.to_vector();

  optim::OptimizerState bad = adam.state_dict();
  for (auto& [k, t] : bad.state) t = t.clone().fill_(0.5f);
  bad.state.emplace_back("state.7.exp_avg", full({2}, 0));    // past the parameters
  bad.state.emplace_back("state.1.momentum", full({2}, 0));   // not Adam's
  bad.state.emplace_back("nonsense", full({1}, 0));
  bad.state[3].second = full({3}, 0);                         // state.1.step: a 0-d tensor expected
  bad.param_groups[0].erase("eps");
  bad.param_groups[0]["lr"] = -1;
  bad.param_groups[0]["momentum"] = 0.9;
  std::string err = load_error(adam, bad);
  for (const char* expected : {"Adam.load_state_dict", "missing hyperparameter 'eps'", "unexpected hyperparameter 'momentum'",
                               "past the 2 parameters", "unexpected state 'state.1.momentum'",
                               "'nonsense' is not state.<index>.<name>", "'state.1.step' has shape [3], expected []",
                               "parameter 1 has only part of its state"})
    EXPECT_NE(err.find(expected), std::string::npos) << expected << " in: " << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
  // step 0.5 on a state that is otherwise fine: refused before anything is loaded.
  optim::OptimizerState half = adam.state_dict();
  half.state[0].second = full({}, 0.5f);
  half.state[1].second = full({2, 3}, 9);
  EXPECT_NE(load_error(adam, half).find("'state.0.step' is 0.5"), std::string::npos);
  // An invalid hyperparameter alone is refused too.
  optim::OptimizerState bad_lr = adam.state_dict();
  bad_lr.param_groups[0]["lr"] = -1;
  EXPECT_NE(load_error(adam, bad_lr).find("invalid learning rate"), std::string::npos);

  optim::OptimizerState after = adam.state_dict();
  EXPECT_EQ(after.state[1].second.to_vector(), before);
  EXPECT_EQ(after.state[0].second.item(), 2.0f);
  EXPECT_EQ(adam.options().lr, 0.01);
}
