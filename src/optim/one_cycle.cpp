// torch.optim.lr_scheduler.OneCycleLR (1.13): the phases, anchors and annealing of its get_lr.
#include <cmath>
#include <numbers>

#include "fovea/error.hpp"
#include "fovea/optim/scheduler.hpp"

namespace fovea::optim {

namespace {

enum Anchor { kInitialLr = 0, kMaxLr = 1, kMinLr = 2 };
enum MomentumAnchor { kMaxMomentum = 0, kBaseMomentum = 1 };

int64_t total_steps_of(const OneCycleLROptions& o) {
  if (o.total_steps) {
    FOVEA_CHECK(*o.total_steps > 0, ValueError, "OneCycleLR: invalid total_steps ", *o.total_steps,
                " (expected a positive integer)");
    return *o.total_steps;
  }
  FOVEA_CHECK(o.epochs && o.steps_per_epoch, ValueError,
              "OneCycleLR: expected total_steps, or epochs and steps_per_epoch");
  FOVEA_CHECK(*o.epochs > 0, ValueError, "OneCycleLR: invalid epochs ", *o.epochs, " (expected a positive integer)");
  FOVEA_CHECK(*o.steps_per_epoch > 0, ValueError, "OneCycleLR: invalid steps_per_epoch ", *o.steps_per_epoch,
              " (expected a positive integer)");
  return *o.epochs * *o.steps_per_epoch;
}

// torch's _format_param: one value for every group, or one per group.
std::vector<double> per_group(const char* name, const std::vector<double>& given, size_t groups) {
  FOVEA_CHECK(given.size() == 1 || given.size() == groups, ValueError, "OneCycleLR: expected ", groups,
              " values for ", name, " (or one for all groups), got ", given.size());
  return given.size() == 1 ? std::vector<double>(groups, given[0]) : given;
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, std::vector<double> max_lr, OneCycleLROptions options)
    : LRScheduler(optimizer), options_(std::move(options)), total_steps_(total_steps_of(options_)) {
  const OneCycleLROptions& o = options_;
  const double total = static_cast<double>(total_steps_);
  if (o.three_phase)
    phases_ = {{o.pct_start * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {2 * o.pct_start * total - 2, kMaxLr, kInitialLr, kBaseMomentum, kMaxMomentum},
               {total - 1, kInitialLr, kMinLr, kMaxMomentum, kMaxMomentum}};
  else
    phases_ = {{o.pct_start * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {total - 1, kMaxLr, kMinLr, kBaseMomentum, kMaxMomentum}};
  FOVEA_CHECK(o.pct_start >= 0.0 && o.pct_start <= 1.0, ValueError, "OneCycleLR: invalid pct_start ", o.pct_start,
              " (expected a float between 0 and 1)");
  FOVEA_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear", ValueError,
              "OneCycleLR: invalid anneal_strategy '", o.anneal_strategy, "' (expected 'cos' or 'linear')");
  // torch takes any; 0 or less makes the first lr infinite or negative.
  FOVEA_CHECK(o.div_factor > 0.0, ValueError, "OneCycleLR: invalid div_factor ", o.div_factor, " (expected > 0)");
  FOVEA_CHECK(o.final_div_factor > 0.0, ValueError, "OneCycleLR: invalid final_div_factor ", o.final_div_factor,
              " (expected > 0)");
  const size_t groups = optimizer.num_param_groups();
  const std::vector<double> max_lrs = per_group("max_lr", max_lr, groups);
  for (size_t g = 0; g < groups; ++g) {
    FOVEA_CHECK(max_lrs[g] >= 0.0, ValueError, "OneCycleLR: invalid max_lr ", max_lrs[g], " (expected >= 0)");
    const double initial = max_lrs[g] / o.div_factor;
    lr_anchors_.push_back({initial, max_lrs[g], initial / o.final_div_factor});
  }
  // torch sets group["initial_lr"] before its base class reads it into base_lrs.
  base_lrs_.clear();
  for (auto& anchors : lr_anchors_) base_lrs_.push_back(anchors[kInitialLr]);
  if (o.cycle_momentum) {
    FOVEA_CHECK(optimizer.has_momentum(), ValueError, "OneCycleLR: cycle_momentum needs an optimizer with momentum or "
                "betas, and ", optimizer.name(), " has neither (pass cycle_momentum = false)");
    for (size_t g = 0; g < groups; ++g) {
      momentum_anchors_.push_back({o.max_momentum, o.base_momentum});
      optimizer.set_momentum(g, o.max_momentum);
    }
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == "cos") {
    const double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

void OneCycleLR::step() {
  // torch raises in get_lr, once last_epoch has moved on; here nothing moves.
  FOVEA_CHECK(last_epoch_ + 1 <= total_steps_, ValueError, "OneCycleLR: tried to step ", last_epoch_ + 2,
              " times; the specified number of total steps is ", total_steps_);
  LRScheduler::step();
}

std::vector<double> OneCycleLR::get_lr() {
  const double step_num = static_cast<double>(last_epoch_);
  std::vector<double> lrs;
  for (size_t g = 0; g < lr_anchors_.size(); ++g) {
    double start_step = 0, lr = 0, momentum = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (step_num <= phase.end_step || i == phases_.size() - 1) {
        const double pct = (step_num - start_step) / (phase.end_step - start_step);
        lr = anneal(lr_anchors_[g][phase.start_lr], lr_anchors_[g][phase.end_lr], pct);
        if (options_.cycle_momentum)
          momentum = anneal(momentum_anchors_[g][phase.start_momentum], momentum_anchors_[g][phase.end_momentum], pct);
        break;
      }
      start_step = phase.end_step;
    }
    lrs.push_back(lr);
    if (options_.cycle_momentum) optimizer_.set_momentum(g, momentum);
  }
  return lrs;
}

std::map<std::string, double> OneCycleLR::arguments() const {
  const OneCycleLROptions& o = options_;
  std::map<std::string, double> out = {{"total_steps", static_cast<double>(total_steps_)},
                                       {"pct_start", o.pct_start},
                                       {"anneal_strategy_linear", o.anneal_strategy == "linear" ? 1.0 : 0.0},
                                       {"cycle_momentum", o.cycle_momentum ? 1.0 : 0.0},
                                       {"three_phase", o.three_phase ? 1.0 : 0.0}};
  for (size_t g = 0; g < lr_anchors_.size(); ++g) {
    out["max_lr." + std::to_string(g)] = lr_anchors_[g][kMaxLr];
    out["min_lr." + std::to_string(g)] = lr_anchors_[g][kMinLr];
  }
  for (size_t g = 0; g < momentum_anchors_.size(); ++g) {
    out["max_momentum." + std::to_string(g)] = momentum_anchors_[g][kMaxMomentum];
    out["base_momentum." + std::to_string(g)] = momentum_anchors_[g][kBaseMomentum];
  }
  return out;
}

}  // namespace fovea::optim
