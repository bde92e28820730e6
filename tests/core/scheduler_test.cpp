// Schedulers beyond the torch sequences (scheduler_parity_test.cpp): bad arguments, state_dict
// round trips that resume exactly, and refusals that change nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/optim/scheduler.hpp"
#include "support/expect_tensor.hpp"

using namespace fovea;
using fovea::testing::error_of;
using fovea::testing::expect_contains;
using namespace fovea::optim;

namespace {

SGD two_groups(double momentum = 0.0) {
  return SGD(std::vector<SGD::Group>{{{zeros({1}).requires_grad_()}, {.lr = 0.1, .momentum = momentum}},
                                     {{zeros({2}).requires_grad_()}, {.lr = 0.01, .momentum = momentum}}});
}

}  // namespace

TEST(Scheduler, BadArgumentsNameTheClassAndTheArgument) {
  SGD sgd = two_groups();
  expect_contains(error_of<ValueError>([&] { StepLR(sgd, 0); }), {"StepLR", "step_size", "0", ">= 1"});
  expect_contains(error_of<ValueError>([&] { StepLR(sgd, 3, -0.5); }), {"StepLR", "gamma", "-0.5"});
  expect_contains(error_of<ValueError>([&] { MultiStepLR(sgd, {1, 2}, -1.0); }), {"MultiStepLR", "gamma"});
  expect_contains(error_of<ValueError>([&] { ExponentialLR(sgd, std::nan("")); }), {"ExponentialLR", "gamma", "nan"});
  expect_contains(error_of<ValueError>([&] { CosineAnnealingLR(sgd, 0); }), {"CosineAnnealingLR", "T_max"});
  expect_contains(error_of<ValueError>([&] { CosineAnnealingLR(sgd, 10, -1.0); }), {"CosineAnnealingLR", "eta_min"});
  expect_contains(error_of<ValueError>([&] { LinearLR(sgd, 1.5); }), {"LinearLR", "start_factor", "1.5", "(0, 1]"});
  expect_contains(error_of<ValueError>([&] { LinearLR(sgd, 0.0); }), {"LinearLR", "start_factor"});
  expect_contains(error_of<ValueError>([&] { LinearLR(sgd, 0.5, -0.1); }), {"LinearLR", "end_factor"});
  expect_contains(error_of<ValueError>([&] { LinearLR(sgd, 0.5, 1.0, 0); }), {"LinearLR", "total_iters"});
  expect_contains(error_of<ValueError>([&] { OneCycleLR(sgd, 0.1, {}); }), {"OneCycleLR", "total_steps", "epochs and steps_per_epoch"});
  expect_contains(error_of<ValueError>([&] { OneCycleLR(sgd, 0.1, {.total_steps = 0}); }), {"OneCycleLR", "total_steps", "0"});
  expect_contains(error_of<ValueError>([&] { OneCycleLR(sgd, 0.1, {.epochs = 2, .steps_per_epoch = -1}); }),
               {"OneCycleLR", "steps_per_epoch", "-1"});
  expect_contains(error_of<ValueError>([&] { OneCycleLR(sgd, 0.1, {.total_steps = 10, .pct_start = 1.5}); }),
               {"OneCycleLR", "pct_start", "1.5"});
  expect_contains(error_of<ValueError>([&] { OneCycleLR(sgd, 0.1, {.total_steps = 10, .anneal_strategy = "exp"}); }),
               {"OneCycleLR", "anneal_strategy", "'exp'", "'cos' or 'linear'"});
  expect_contains(error_of<ValueError>([&] { OneCycleLR(sgd, std::vector<double>{0.1, 0.2, 0.3}, {.total_steps = 10}); }),
               {"OneCycleLR", "max_lr", "expected 2", "got 3"});
  expect_contains(error_of<ValueError>([&] { OneCycleLR(sgd, 0.1, {.total_steps = 10, .div_factor = 0}); }),
               {"OneCycleLR", "div_factor"});
  expect_contains(error_of<ValueError>([&] { ReduceLROnPlateau(sgd, {.mode = "up"}); }), {"ReduceLROnPlateau", "mode", "'up'"});
  expect_contains(error_of<ValueError>([&] { ReduceLROnPlateau(sgd, {.factor = 1.0}); }), {"ReduceLROnPlateau", "factor", "[0, 1)"});
  expect_contains(error_of<ValueError>([&] { ReduceLROnPlateau(sgd, {.threshold_mode = "relative"}); }),
               {"ReduceLROnPlateau", "threshold_mode", "'relative'"});
  expect_contains(error_of<ValueError>([&] { ReduceLROnPlateau(sgd, {.patience = -1}); }), {"ReduceLROnPlateau", "patience"});
  expect_contains(error_of<ValueError>([&] { ReduceLROnPlateau(sgd, {.min_lr = {0.1, 0.2, 0.3}}); }),
               {"ReduceLROnPlateau", "min_lrs", "expected 2", "got 3"});
  // None of it touched the optimizer.
  EXPECT_EQ(sgd.lr(0), 0.1);
  EXPECT_EQ(sgd.lr(1), 0.01);
}

TEST(Scheduler, OneCycleLRSteppedPastTotalStepsIsAValueError) {
  SGD sgd = two_groups(0.9);
  OneCycleLR sched(sgd, 1.0, {.total_steps = 5});
  for (int s = 0; s < 4; ++s) sched.step();  // epochs 1..4: the last lr is at total_steps - 1
  sched.step();                               // torch allows last_epoch == total_steps too
  const double lr = sgd.lr(0);
  expect_contains(error_of<ValueError>([&] { sched.step(); }), {"OneCycleLR", "tried to step 7 times", "total steps is 5"});
  EXPECT_EQ(sched.last_epoch(), 5);
  EXPECT_EQ(sgd.lr(0), lr);
}

TEST(Scheduler, OneCycleLRNeedsMomentumToCycleIt) {
  RMSprop with_momentum({zeros({1}).requires_grad_()});
  OneCycleLR fine(with_momentum, 0.1, {.total_steps = 10});
  EXPECT_EQ(with_momentum.options().momentum, 0.95);  // max_momentum at step 0, as torch sets it
  AdamW adamw({zeros({1}).requires_grad_()});
  OneCycleLR betas(adamw, 0.1, {.total_steps = 10});
  EXPECT_EQ(adamw.options().beta1, 0.95);
  EXPECT_EQ(adamw.options().beta2, 0.999);
}

TEST(Scheduler, SchedulersActOnEveryGroupFromItsOwnLr) {
  SGD sgd = two_groups();
  StepLR sched(sgd, 2, 0.5);
  EXPECT_EQ(sched.base_lrs(), (std::vector<double>{0.1, 0.01}));
  sched.step();
  sched.step();
  EXPECT_EQ(sched.get_last_lr(), (std::vector<double>{0.05, 0.005}));
  EXPECT_EQ(sgd.lr(1), 0.005);
}

TEST(Scheduler, StateDictResumesExactly) {
  // Each scheduler runs 7 steps, is saved, and a fresh one (made alike) continues from the state
  // as the original does.
  auto check = [](auto make) {
    SGD a = two_groups(0.9), b = two_groups(0.9);
    auto original = make(a);
    for (int s = 0; s < 7; ++s) original->step();
    const SchedulerState state = original->state_dict();
    auto resumed = make(b);
    resumed->load_state_dict(state);
    // The optimizer's lrs come back with its own state_dict, as in torch.
    b.load_state_dict(a.state_dict());
    EXPECT_EQ(resumed->last_epoch(), 7);
    EXPECT_EQ(resumed->state_dict(), state);
    for (int s = 0; s < 20; ++s) {
      original->step();
      resumed->step();
      EXPECT_EQ(original->get_last_lr(), resumed->get_last_lr()) << original->name() << " step " << s;
      EXPECT_EQ(a.momentum(0), b.momentum(0));
    }
  };
  check([](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.5); });
  check([](Optimizer& o) { return std::make_unique<MultiStepLR>(o, std::vector<int64_t>{2, 9, 9}); });
  check([](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.9); });
  check([](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 5, 0.001); });
  check([](Optimizer& o) { return std::make_unique<LinearLR>(o, 0.25, 1.0, 10); });
  check([](Optimizer& o) {
    return std::make_unique<OneCycleLR>(o, 1.0, OneCycleLROptions{.total_steps = 30, .three_phase = true});
  });
}

TEST(Scheduler, BadStateNamesEveryProblemAndChangesNothing) {
  SGD sgd = two_groups();
  StepLR sched(sgd, 3, 0.5);
  sched.step();
  const SchedulerState before = sched.state_dict();
  EXPECT_EQ(before.at("type"), "StepLR");
  EXPECT_EQ(before.at("base_lrs.1"), "0.01");
  SchedulerState bad = before;
  bad["gamma"] = "0.25";        // another schedule
  bad["last_epoch"] = "-3";     // not a count
  bad.erase("_last_lr.1");      // a group's lr missing
  bad["base_lrs.2"] = "0.1";    // a group too many
  bad["_step_count"] = "two";   // not a number
  const std::string err = error_of<ValueError>([&] { sched.load_state_dict(bad); });
  expect_contains(err, {"StepLR.load_state_dict", "'gamma' is 0.25 in the state, 0.5 here", "'last_epoch' is -3",
                     "missing '_last_lr.1'", "unexpected key 'base_lrs.2'", "'_step_count' is 'two'"});
  EXPECT_EQ(sched.state_dict(), before);
  SchedulerState other = before;
  other["type"] = "ExponentialLR";
  expect_contains(error_of<ValueError>([&] { sched.load_state_dict(other); }), {"a ExponentialLR state, not a StepLR one"});
}

TEST(Scheduler, ReduceLROnPlateauStateResumesExactly) {
  SGD a = two_groups(), b = two_groups();
  const ReduceLROnPlateauOptions options{.factor = 0.5, .patience = 1, .cooldown = 2, .min_lr = {0.0, 0.004}};
  ReduceLROnPlateau original(a, options), resumed(b, options);
  const std::vector<double> metrics = {5, 4, 4.5, 4.4, 4.3, 4.2, 4.6, 4.7, 4.8, 4.9, 5, 5.1, 5.2, 3, 3, 3, 3};
  for (size_t k = 0; k < 5; ++k) original.step(metrics[k]);
  resumed.load_state_dict(original.state_dict());
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(resumed.best(), original.best());
  for (size_t k = 5; k < metrics.size(); ++k) {
    original.step(metrics[k]);
    resumed.step(metrics[k]);
    EXPECT_EQ(original.get_last_lr(), resumed.get_last_lr()) << k;
  }
  EXPECT_EQ(a.lr(1), 0.004);  // min_lr holds group 1
  EXPECT_LT(a.lr(0), 0.02);
  // A fresh one's best is +inf, and it goes through the state as "inf".
  SGD c = two_groups();
  ReduceLROnPlateau fresh(c, options);
  EXPECT_EQ(fresh.state_dict().at("best"), "inf");
  ReduceLROnPlateau max_mode(c, {.mode = "max"});
  expect_contains(error_of<ValueError>([&] { max_mode.load_state_dict(fresh.state_dict()); }),
               {"ReduceLROnPlateau.load_state_dict", "'mode' is 'min' in the state, 'max' here", "'factor'"});
}
