// torch.optim.lr_scheduler's epoch schedulers (1.13), get_lr term for term: each new lr is
// computed from the optimizer's current one (group['lr'] in torch), in double.
#include "fovea/optim/scheduler.hpp"

#include <cmath>
#include <numbers>

#include "fovea/error.hpp"
#include "optim/scheduler_state.hpp"

namespace fovea::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer), base_lrs_(current_lrs()) {}

std::vector<double> LRScheduler::current_lrs() const {
  std::vector<double> out;
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) out.push_back(optimizer_.lr(g));
  return out;
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  const std::vector<double> lrs = get_lr();
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_lr_ = current_lrs();
}

SchedulerState LRScheduler::state_dict() const {
  SchedulerState out = {{"type", name()},
                        {"last_epoch", std::to_string(last_epoch_)},
                        {"_step_count", std::to_string(step_count_)}};
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    out["base_lrs." + std::to_string(g)] = detail::number_text(base_lrs_[g]);
    out["_last_lr." + std::to_string(g)] = detail::number_text(last_lr_[g]);
  }
  for (auto& [key, value] : arguments()) out[key] = detail::number_text(value);
  for (auto& [key, value] : counters()) out[key] = detail::number_text(value);
  return out;
}

void LRScheduler::load_state_dict(const SchedulerState& state) {
  detail::StateReader r(state, name());
  const std::string type = r.word("type");
  if (!type.empty() && type != name()) r.problem("a " + type + " state, not a " + name() + " one");
  const int64_t last_epoch = r.count("last_epoch", 0), step_count = r.count("_step_count", 1);
  const size_t groups = optimizer_.num_param_groups();
  const std::vector<double> base_lrs = r.per_group("base_lrs.", groups), last_lr = r.per_group("_last_lr.", groups);
  for (auto& [key, value] : arguments()) r.expect_argument(key, value);
  std::map<std::string, double> counters;
  for (auto& [key, value] : this->counters()) counters[key] = r.number(key);
  r.finish();
  last_epoch_ = last_epoch;
  step_count_ = step_count;
  base_lrs_ = base_lrs;
  last_lr_ = last_lr;
  set_counters(counters);
}

namespace {
void check_gamma(const char* who, double gamma) {
  FOVEA_CHECK(gamma >= 0.0 && std::isfinite(gamma), ValueError, who, ": invalid gamma ", gamma,
              " (expected a finite number >= 0)");
}
}  // namespace

// ---- StepLR ----

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  // torch takes any step_size and fails with ZeroDivisionError on the first step for 0.
  FOVEA_CHECK(step_size >= 1, ValueError, "StepLR: invalid step_size ", step_size, " (expected an integer >= 1)");
  check_gamma("StepLR", gamma);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::map<std::string, double> StepLR::arguments() const {
  return {{"step_size", static_cast<double>(step_size_)}, {"gamma", gamma_}};
}

// ---- MultiStepLR ----

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  for (int64_t m : milestones) ++milestones_[m];
  check_gamma("MultiStepLR", gamma);
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  auto it = milestones_.find(last_epoch_);
  if (it == milestones_.end()) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(it->second));
  return lrs;
}

std::map<std::string, double> MultiStepLR::arguments() const {
  // torch keeps Counter(milestones): each milestone with how often it was listed.
  std::map<std::string, double> out = {{"gamma", gamma_}};
  for (auto& [m, times] : milestones_) out["milestones." + std::to_string(m)] = times;
  return out;
}

// ---- ExponentialLR ----

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  check_gamma("ExponentialLR", gamma);
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::map<std::string, double> ExponentialLR::arguments() const { return {{"gamma", gamma_}}; }

// ---- CosineAnnealingLR ----

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  // torch divides by T_max: 0 fails there with ZeroDivisionError.
  FOVEA_CHECK(T_max >= 1, ValueError, "CosineAnnealingLR: invalid T_max ", T_max, " (expected an integer >= 1)");
  FOVEA_CHECK(eta_min >= 0.0, ValueError, "CosineAnnealingLR: invalid eta_min ", eta_min, " (expected >= 0)");
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  constexpr double pi = std::numbers::pi;
  const double T = static_cast<double>(T_max_), epoch = static_cast<double>(last_epoch_);
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (size_t g = 0; g < lrs.size(); ++g) {
    if (step_count_ == 1 && last_epoch_ > 0)
      lrs[g] = eta_min_ + (base_lrs_[g] - eta_min_) * (1 + std::cos(epoch * pi / T)) / 2;
    else if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0)  // Python's % is 0 exactly when C++'s is
      lrs[g] = lrs[g] + (base_lrs_[g] - eta_min_) * (1 - std::cos(pi / T)) / 2;
    else
      lrs[g] = (1 + std::cos(pi * epoch / T)) / (1 + std::cos(pi * (epoch - 1) / T)) * (lrs[g] - eta_min_) + eta_min_;
  }
  return lrs;
}

std::map<std::string, double> CosineAnnealingLR::arguments() const {
  return {{"T_max", static_cast<double>(T_max_)}, {"eta_min", eta_min_}};
}

// ---- LinearLR ----

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  // torch 1.13 accepts start_factor 0, then divides by total_iters * start_factor on the first step.
  FOVEA_CHECK(start_factor > 0.0 && start_factor <= 1.0, ValueError, "LinearLR: invalid start_factor ", start_factor,
              " (expected a multiplicative factor in (0, 1])");
  FOVEA_CHECK(end_factor >= 0.0 && end_factor <= 1.0, ValueError, "LinearLR: invalid end_factor ", end_factor,
              " (expected a multiplicative factor in [0, 1])");
  // 0 would make the warm-up a constant factor (and torch's closed form divides by it).
  FOVEA_CHECK(total_iters >= 1, ValueError, "LinearLR: invalid total_iters ", total_iters,
              " (expected an integer >= 1)");
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double change = end_factor_ - start_factor_;
  for (double& lr : lrs)
    lr = lr * (1. + change / (static_cast<double>(total_iters_) * start_factor_ +
                              static_cast<double>(last_epoch_ - 1) * change));
  return lrs;
}

std::map<std::string, double> LinearLR::arguments() const {
  return {{"start_factor", start_factor_},
          {"end_factor", end_factor_},
          {"total_iters", static_cast<double>(total_iters_)}};
}

}  // namespace fovea::optim
