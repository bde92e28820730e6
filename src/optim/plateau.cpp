// torch.optim.lr_scheduler.ReduceLROnPlateau (1.13), step for step.
#include <cmath>
#include <limits>

#include "fovea/error.hpp"
#include "fovea/optim/scheduler.hpp"
#include "optim/scheduler_state.hpp"

namespace fovea::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(optimizer), options_(std::move(options)) {
  const ReduceLROnPlateauOptions& o = options_;
  FOVEA_CHECK(o.factor < 1.0 && o.factor >= 0.0, ValueError, "ReduceLROnPlateau: invalid factor ", o.factor,
              " (expected a factor in [0, 1))");
  FOVEA_CHECK(o.mode == "min" || o.mode == "max", ValueError, "ReduceLROnPlateau: unknown mode '", o.mode,
              "' (expected 'min' or 'max')");
  FOVEA_CHECK(o.threshold_mode == "rel" || o.threshold_mode == "abs", ValueError,
              "ReduceLROnPlateau: unknown threshold_mode '", o.threshold_mode, "' (expected 'rel' or 'abs')");
  FOVEA_CHECK(o.patience >= 0, ValueError, "ReduceLROnPlateau: invalid patience ", o.patience, " (expected >= 0)");
  FOVEA_CHECK(o.cooldown >= 0, ValueError, "ReduceLROnPlateau: invalid cooldown ", o.cooldown, " (expected >= 0)");
  FOVEA_CHECK(o.threshold >= 0.0, ValueError, "ReduceLROnPlateau: invalid threshold ", o.threshold,
              " (expected >= 0)");
  FOVEA_CHECK(o.eps >= 0.0, ValueError, "ReduceLROnPlateau: invalid eps ", o.eps, " (expected >= 0)");
  const size_t groups = optimizer.num_param_groups();
  FOVEA_CHECK(o.min_lr.size() == 1 || o.min_lr.size() == groups, ValueError, "ReduceLROnPlateau: expected ", groups,
              " min_lrs (or one for all groups), got ", o.min_lr.size());
  min_lrs_ = o.min_lr.size() == 1 ? std::vector<double>(groups, o.min_lr[0]) : o.min_lr;
  for (double m : min_lrs_)
    FOVEA_CHECK(m >= 0.0, ValueError, "ReduceLROnPlateau: invalid min_lr ", m, " (expected >= 0)");
  best_ = o.mode == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  for (size_t g = 0; g < groups; ++g) last_lr_.push_back(optimizer.lr(g));
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const ReduceLROnPlateauOptions& o = options_;
  if (o.mode == "min" && o.threshold_mode == "rel") return a < best * (1. - o.threshold);
  if (o.mode == "min") return a < best - o.threshold;
  if (o.threshold_mode == "rel") return a > best * (o.threshold + 1.);
  return a > best + o.threshold;
}

void ReduceLROnPlateau::step(double metrics) {
  last_epoch_ += 1;
  if (is_better(metrics, best_)) {
    best_ = metrics;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    for (size_t g = 0; g < min_lrs_.size(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * options_.factor, min_lrs_[g]);
      if (old_lr - new_lr > options_.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  for (size_t g = 0; g < last_lr_.size(); ++g) last_lr_[g] = optimizer_.lr(g);
}

SchedulerState ReduceLROnPlateau::state_dict() const {
  const ReduceLROnPlateauOptions& o = options_;
  SchedulerState out = {{"type", name()},
                        {"mode", o.mode},
                        {"threshold_mode", o.threshold_mode},
                        {"factor", detail::number_text(o.factor)},
                        {"patience", std::to_string(o.patience)},
                        {"threshold", detail::number_text(o.threshold)},
                        {"cooldown", std::to_string(o.cooldown)},
                        {"eps", detail::number_text(o.eps)},
                        {"best", detail::number_text(best_)},
                        {"num_bad_epochs", std::to_string(num_bad_epochs_)},
                        {"cooldown_counter", std::to_string(cooldown_counter_)},
                        {"last_epoch", std::to_string(last_epoch_)}};
  for (size_t g = 0; g < min_lrs_.size(); ++g) {
    out["min_lrs." + std::to_string(g)] = detail::number_text(min_lrs_[g]);
    out["_last_lr." + std::to_string(g)] = detail::number_text(last_lr_[g]);
  }
  return out;
}

void ReduceLROnPlateau::load_state_dict(const SchedulerState& state) {
  const ReduceLROnPlateauOptions& o = options_;
  detail::StateReader r(state, name());
  const std::string type = r.word("type");
  if (!type.empty() && type != name()) r.problem("a " + type + " state, not a " + name() + " one");
  for (const auto& [key, expected] : {std::pair{"mode", o.mode}, std::pair{"threshold_mode", o.threshold_mode}}) {
    const std::string given = r.word(key);
    if (given != expected) r.problem(std::string("'") + key + "' is '" + given + "' in the state, '" + expected + "' here");
  }
  r.expect_argument("factor", o.factor);
  r.expect_argument("patience", static_cast<double>(o.patience));
  r.expect_argument("threshold", o.threshold);
  r.expect_argument("cooldown", static_cast<double>(o.cooldown));
  r.expect_argument("eps", o.eps);
  for (size_t g = 0; g < min_lrs_.size(); ++g) r.expect_argument("min_lrs." + std::to_string(g), min_lrs_[g]);
  const double best = r.number("best");
  if (std::isnan(best)) r.problem("'best' is nan, expected a number or an infinity");
  const int64_t bad = r.count("num_bad_epochs", 0), cooldown_counter = r.count("cooldown_counter", 0),
                last_epoch = r.count("last_epoch", 0);
  const std::vector<double> last_lr = r.per_group("_last_lr.", min_lrs_.size());
  r.finish();
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown_counter;
  last_epoch_ = last_epoch;
  last_lr_ = last_lr;
}

}  // namespace fovea::optim
