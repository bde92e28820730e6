// Learning-rate schedules against torch 1.13's (tests/fixtures/optim.safetensors, written by
// tests/parity/make_optim_fixtures.py): every case there is made here with the same arguments and
// its lrs (and OneCycleLR's momenta) compared after every step, to 1e-12 relative (the arithmetic
// is torch's, in double, so in practice they are equal).
#include <gtest/gtest.h>

#include <charconv>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

#include "fovea/io/safetensors.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/optim/scheduler.hpp"

using namespace fovea;
using namespace fovea::optim;

namespace {

const std::map<std::string, std::string>& metadata() {
  static const auto f = io::read_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/optim.safetensors");
  return f.metadata;
}

std::vector<double> sequence(const std::string& key) {
  auto it = metadata().find(key);
  if (it == metadata().end()) throw std::runtime_error("fixture " + key + " missing");
  std::vector<double> out;
  std::stringstream in(it->second);
  for (std::string item; std::getline(in, item, ',');) {
    double v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size()) throw std::runtime_error("bad number " + item);
    out.push_back(v);
  }
  return out;
}

// One parameter per group, as the script's sgd() and adam() make them.
std::vector<Tensor> params(size_t n) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < n; ++i) out.push_back(zeros({1}).requires_grad_());
  return out;
}

std::unique_ptr<Optimizer> sgd(std::vector<double> lrs, double momentum = 0.0) {
  std::vector<SGD::Group> groups;
  for (size_t g = 0; g < lrs.size(); ++g) groups.push_back({params(1), {.lr = lrs[g], .momentum = momentum}});
  return std::make_unique<SGD>(std::move(groups));
}

std::unique_ptr<Optimizer> adam(std::vector<double> lrs) {
  std::vector<Adam::Group> groups;
  for (size_t g = 0; g < lrs.size(); ++g) groups.push_back({params(1), {.lr = lrs[g]}});
  return std::make_unique<Adam>(std::move(groups));
}

struct Case {
  std::string name;
  std::function<std::unique_ptr<Optimizer>()> optimizer;
  std::function<std::unique_ptr<LRScheduler>(Optimizer&)> scheduler;
  int steps;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"step", [] { return sgd({0.1, 0.01}); }, [](Optimizer& o) { return std::make_unique<StepLR>(o, 7, 0.5); }, 40},
      {"step_default", [] { return sgd({1.0}); }, [](Optimizer& o) { return std::make_unique<StepLR>(o, 3); }, 30},
      {"multistep", [] { return sgd({0.1, 0.03}); },
       [](Optimizer& o) { return std::make_unique<MultiStepLR>(o, std::vector<int64_t>{5, 12, 12, 30}, 0.3); }, 40},
      {"exponential", [] { return sgd({0.1, 0.01}); },
       [](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.95); }, 60},
      {"cosine", [] { return sgd({0.1, 0.01}); },
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 20, 0.001); }, 70},
      {"cosine_default", [] { return sgd({0.05}); },
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 10); }, 30},
      {"linear", [] { return sgd({0.1, 0.01}); }, [](Optimizer& o) { return std::make_unique<LinearLR>(o); }, 30},
      {"linear_custom", [] { return sgd({0.2}); },
       [](Optimizer& o) { return std::make_unique<LinearLR>(o, 0.1, 0.9, 17); }, 40},
      {"onecycle_cos", [] { return sgd({0.1, 0.01}, 0.9); },
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(o, std::vector<double>{1.0, 0.1}, OneCycleLROptions{.total_steps = 100});
       },
       99},
      {"onecycle_linear_three_phase", [] { return adam({0.001}); },
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(o, 0.5,
                                             OneCycleLROptions{.epochs = 5, .steps_per_epoch = 10, .pct_start = 0.25,
                                                               .anneal_strategy = "linear", .base_momentum = 0.8,
                                                               .max_momentum = 0.9, .div_factor = 10.0,
                                                               .final_div_factor = 100.0, .three_phase = true});
       },
       49},
      {"onecycle_no_momentum", [] { return sgd({0.1, 0.02}); },
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(
             o, std::vector<double>{0.3, 0.05},
             OneCycleLROptions{.total_steps = 37, .pct_start = 0.4, .cycle_momentum = false});
       },
       36},
  };
  return all;
}

void expect_same(const std::vector<double>& ours, const std::vector<double>& torch, const std::string& what) {
  ASSERT_EQ(ours.size(), torch.size()) << what;
  for (size_t k = 0; k < ours.size(); ++k)
    EXPECT_NEAR(ours[k], torch[k], 1e-12 * std::abs(torch[k])) << what << " at " << k;
}

}  // namespace

TEST(SchedulerParity, EveryFixtureCaseIsCovered) {
  std::set<std::string> fixture_cases, ours;
  for (auto& [key, value] : metadata())
    if (key.rfind("sched.", 0) == 0) fixture_cases.insert(key.substr(6, key.find('.', 6) - 6));
  for (const Case& c : cases()) ours.insert(c.name);
  for (const char* plateau : {"plateau_min", "plateau_max_abs", "plateau_default"}) ours.insert(plateau);
  EXPECT_EQ(ours, fixture_cases);
}

TEST(SchedulerParity, LrsMatchTorch) {
  for (const Case& c : cases()) {
    auto opt = c.optimizer();
    auto sched = c.scheduler(*opt);
    const size_t groups = opt->num_param_groups();
    std::vector<std::vector<double>> lrs(groups), momenta(groups);
    auto record = [&] {
      for (size_t g = 0; g < groups; ++g) {
        lrs[g].push_back(opt->lr(g));
        if (opt->has_momentum()) momenta[g].push_back(opt->momentum(g));
        EXPECT_EQ(sched->get_last_lr()[g], opt->lr(g)) << c.name;
      }
    };
    record();
    for (int s = 0; s < c.steps; ++s) {
      sched->step();
      record();
    }
    EXPECT_EQ(sched->last_epoch(), c.steps) << c.name;
    for (size_t g = 0; g < groups; ++g) {
      const std::string key = "sched." + c.name + ".lr" + std::to_string(g);
      expect_same(lrs[g], sequence(key), key);
      const std::string mkey = "sched." + c.name + ".momentum" + std::to_string(g);
      if (metadata().count(mkey)) expect_same(momenta[g], sequence(mkey), mkey);
    }
    EXPECT_FALSE(metadata().count("sched." + c.name + ".lr" + std::to_string(groups))) << c.name << ": more groups";
  }
}

TEST(SchedulerParity, ReduceLROnPlateauMatchesTorch) {
  const std::vector<std::pair<std::string, std::function<std::unique_ptr<ReduceLROnPlateau>(Optimizer&)>>> plateaus = {
      {"plateau_min",
       [](Optimizer& o) {
         return std::make_unique<ReduceLROnPlateau>(
             o, ReduceLROnPlateauOptions{.factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = {0.001, 0.0005}});
       }},
      {"plateau_max_abs",
       [](Optimizer& o) {
         return std::make_unique<ReduceLROnPlateau>(
             o, ReduceLROnPlateauOptions{.mode = "max", .factor = 0.2, .patience = 3, .threshold = 0.05,
                                         .threshold_mode = "abs", .eps = 1e-4});
       }},
      {"plateau_default", [](Optimizer& o) { return std::make_unique<ReduceLROnPlateau>(o); }},
  };
  for (auto& [name, make] : plateaus) {
    const std::vector<double> first = sequence("sched." + name + ".lr0");
    size_t groups = metadata().count("sched." + name + ".lr1") ? 2 : 1;
    std::vector<double> start = {name == "plateau_min" ? 0.1 : name == "plateau_max_abs" ? 0.05 : 1.0, 0.01};
    start.resize(groups);
    auto opt = sgd(start);
    auto sched = make(*opt);
    std::vector<std::vector<double>> lrs(groups);
    for (double m : sequence("sched." + name + ".metrics")) {
      sched->step(m);
      for (size_t g = 0; g < groups; ++g) lrs[g].push_back(opt->lr(g));
    }
    for (size_t g = 0; g < groups; ++g) {
      const std::string key = "sched." + name + ".lr" + std::to_string(g);
      expect_same(lrs[g], sequence(key), key);
    }
    // The fixture's metrics do make it reduce (else the comparison would prove little).
    EXPECT_LT(lrs[0].back(), lrs[0].front()) << name;
  }
}
