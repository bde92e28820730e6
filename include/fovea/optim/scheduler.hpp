#pragma once
// Learning-rate schedulers, as torch.optim.lr_scheduler (PyTorch 1.13): the same constructor
// arguments, defaults and arithmetic. Each acts on every parameter group of its optimizer, from
// that group's own lr when the scheduler is made (base_lrs, torch's group["initial_lr"]).
//
// Use as in PyTorch: make the scheduler after the optimizer (it takes its first step then, as
// torch's does, setting the lrs of "epoch 0"), and call step() after optimizer.step():
//   optim::SGD sgd(model.parameters(), {.lr = 0.1});
//   optim::StepLR scheduler(sgd, /*step_size=*/30, /*gamma=*/0.1);
//   for (epoch ...) { train(...); scheduler.step(); }
//
// Each step computes the new lrs from the optimizer's current ones with torch's get_lr (the
// recursive, "chainable" form, not the closed one), in double as Python does, so that the
// sequence matches torch's to the last bit (tests/core/scheduler_test.cpp). Another writer of the
// optimizer's lr between steps (a second scheduler) is chained as in torch.
//
// Not carried over: torch's last_epoch and verbose constructor arguments (resume with
// load_state_dict instead) and step(epoch) (deprecated in torch). base_lrs live in the
// scheduler, not as "initial_lr" in the optimizer's groups, so the optimizer's state_dict keeps
// torch's plain keys.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fovea/optim/optimizer.hpp"

namespace fovea::optim {

// A scheduler's state_dict: torch's keys ("last_epoch", "_step_count", "base_lrs.<g>",
// "_last_lr.<g>", the scheduler's own arguments and counters), each a number written so that it
// reads back to the same double (std::to_chars' shortest form, "inf" included), or a word
// ("mode"); "type" names the class. Flat strings go as they are into a checkpoint's metadata.
using SchedulerState = std::map<std::string, std::string>;

// torch's _LRScheduler: a step advances last_epoch and sets every group's lr to get_lr().
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  virtual void step();
  // The lrs the last step set, one per group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  // Steps taken, the constructor's first one being epoch 0.
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  virtual const char* name() const = 0;

  SchedulerState state_dict() const;
  // Restores a state_dict() of the same class made with the same arguments over an optimizer with
  // as many groups: the counters and lrs go in, the arguments must match (a resumed run is the
  // same schedule). One ValueError names every problem; nothing changes unless all of it fits.
  // The optimizer's lrs are not set: they come back with its own load_state_dict, as in torch.
  void load_state_dict(const SchedulerState& state);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  // torch's _initial_step: each constructor calls it last, once its own members are set.
  void initial_step();
  // The next lrs, last_epoch_ already advanced (torch's get_lr, inside step()).
  virtual std::vector<double> get_lr() = 0;
  // The arguments (torch's names) a state must match, and extra running state.
  virtual std::map<std::string, double> arguments() const = 0;
  virtual std::map<std::string, double> counters() const { return {}; }
  virtual void set_counters(const std::map<std::string, double>&) {}
  std::vector<double> current_lrs() const;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_, last_lr_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;  // torch's _step_count (CosineAnnealingLR reads it)
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  const char* name() const override { return "StepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> arguments() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma^k at each milestone epoch listed k times.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  const char* name() const override { return "MultiStepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> arguments() const override;

 private:
  std::map<int64_t, int> milestones_;  // torch's Counter(milestones)
  double gamma_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  const char* name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> arguments() const override;

 private:
  double gamma_;
};

// lr follows eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, in torch's recursive
// form (which, past T_max, rises again: SGDR without restarts).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  const char* name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> arguments() const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

// Warm-up: the factor on base_lr goes linearly from start_factor to end_factor over total_iters
// epochs, then stays.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
  const char* name() const override { return "LinearLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> arguments() const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

struct OneCycleLROptions {
  // total_steps, or epochs and steps_per_epoch (total_steps = their product).
  std::optional<int64_t> total_steps = std::nullopt, epochs = std::nullopt, steps_per_epoch = std::nullopt;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  // "cos" or "linear"
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

// The 1cycle policy (Smith & Topin), stepped once per batch: lr rises from max_lr / div_factor to
// max_lr over pct_start of total_steps and falls to initial_lr / final_div_factor (three_phase:
// back to initial_lr first, then down), annealed by cos or linearly; with cycle_momentum the
// optimizer's momentum (Adam's beta1) moves the other way between max_ and base_momentum.
// Stepping past total_steps is a ValueError, as in torch.
class OneCycleLR : public LRScheduler {
 public:
  // max_lr: one for every group, or one per group.
  OneCycleLR(Optimizer& optimizer, std::vector<double> max_lr, OneCycleLROptions options);
  OneCycleLR(Optimizer& optimizer, double max_lr, OneCycleLROptions options)
      : OneCycleLR(optimizer, std::vector<double>{max_lr}, std::move(options)) {}
  void step() override;
  const char* name() const override { return "OneCycleLR"; }
  int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> arguments() const override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // indices into a group's anchors
  };
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  int64_t total_steps_;
  std::vector<Phase> phases_;
  // Per group: {initial_lr, max_lr, min_lr} and {max_momentum, base_momentum}.
  std::vector<std::array<double, 3>> lr_anchors_;
  std::vector<std::array<double, 2>> momentum_anchors_;
};

struct ReduceLROnPlateauOptions {
  std::string mode = "min";  // "min": lower metrics are better; "max": higher
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  std::string threshold_mode = "rel";  // "rel" or "abs"
  int64_t cooldown = 0;
  std::vector<double> min_lr = {0.0};  // one for every group, or one per group
  double eps = 1e-8;
};

// Multiplies every group's lr by factor once the metric has not improved for more than patience
// steps, then waits cooldown steps; lrs never go below min_lr, and a change smaller than eps is
// skipped. As in torch 1.13 it is not an LRScheduler: step() takes the metric.
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});
  void step(double metrics);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  const char* name() const { return "ReduceLROnPlateau"; }
  // As LRScheduler's: "best", "num_bad_epochs", "cooldown_counter", "last_epoch", "_last_lr.<g>"
  // restored; the arguments ("mode", "factor", ...) must match.
  SchedulerState state_dict() const;
  void load_state_dict(const SchedulerState& state);

 private:
  bool is_better(double a, double best) const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_, last_lr_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace fovea::optim
