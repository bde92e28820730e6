#include <algorithm>
#include <cmath>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "kernels/cpu/kernels.hpp"

namespace fovea::optim {

namespace {

void check_options(const AdamOptions& options) {
  if (!(options.lr >= 0.0)) throw ValueError("Adam: invalid learning rate " + std::to_string(options.lr) + " (expected >= 0)");
  if (!(options.eps >= 0.0)) throw ValueError("Adam: invalid epsilon " + std::to_string(options.eps) + " (expected >= 0)");
  if (!(options.beta1 >= 0.0 && options.beta1 < 1.0) || !(options.beta2 >= 0.0 && options.beta2 < 1.0))
    throw ValueError("Adam: betas must be in [0, 1)");
  if (!(options.weight_decay >= 0.0)) throw ValueError("Adam: invalid weight_decay (expected >= 0)");
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Optimizer(std::move(params)),
      options_(options),
      exp_avg_(params_.size()),
      exp_avg_sq_(params_.size()),
      max_exp_avg_sq_(params_.size()),
      steps_(params_.size()) {
  check_options(options);
}

void Adam::step() {
  const float b1 = static_cast<float>(options_.beta1),
              b2 = static_cast<float>(options_.beta2), eps = static_cast<float>(options_.eps),
              decay = static_cast<float>(options_.weight_decay);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    if (!exp_avg_[i].defined()) {
      steps_[i] = zeros({});
      exp_avg_[i] = zeros(p.shape());
      exp_avg_sq_[i] = zeros(p.shape());
      if (options_.amsgrad) max_exp_avg_sq_[i] = zeros(p.shape());
    }
    // Steps are counted per parameter, as PyTorch keeps `step` in each parameter's state: a
    // parameter that had no gradient for a while is not bias-corrected as if it had.
    float& count = *steps_[i].data();
    const double t = static_cast<double>(count += 1.0f);
    const float step_size = static_cast<float>(options_.lr / (1.0 - std::pow(options_.beta1, t)));
    const float bias2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(options_.beta2, t)));
    const kernels::AdamStep scalars{b1, b2, eps, decay, step_size, bias2_sqrt};
    kernels::cpu::adam_update(p.numel(), p.data(), grad.data(), exp_avg_[i].data(), exp_avg_sq_[i].data(),
                              options_.amsgrad ? max_exp_avg_sq_[i].data() : nullptr, scalars);
  }
}

std::vector<Adam::Slot> Adam::slots() const {
  auto* self = const_cast<Adam*>(this);  // slots point at the state both to save and to load it
  std::vector<Slot> out = {{"step", &self->steps_, /*step_count=*/true},
                           {"exp_avg", &self->exp_avg_},
                           {"exp_avg_sq", &self->exp_avg_sq_}};
  if (options_.amsgrad) out.push_back({"max_exp_avg_sq", &self->max_exp_avg_sq_});
  return out;
}

OptimizerState Adam::state_dict() const {
  OptimizerState out;
  out.state = save_slots(slots());
  out.hyperparameters = {{"lr", options_.lr},         {"betas.0", options_.beta1},
                         {"betas.1", options_.beta2}, {"eps", options_.eps},
                         {"weight_decay", options_.weight_decay}, {"amsgrad", options_.amsgrad ? 1.0 : 0.0}};
  return out;
}

void Adam::load_state_dict(const OptimizerState& state) {
  std::vector<std::string> problems;
  auto h = take_hyperparameters(state.hyperparameters, {"lr", "betas.0", "betas.1", "eps", "weight_decay", "amsgrad"},
                                problems);
  AdamOptions options = options_;
  if (problems.empty()) {
    options = {.lr = h["lr"], .beta1 = h["betas.0"], .beta2 = h["betas.1"], .eps = h["eps"],
               .weight_decay = h["weight_decay"], .amsgrad = h["amsgrad"] != 0.0};
    try {
      check_options(options);
    } catch (const ValueError& e) {
      problems.push_back(e.what());
    }
  }
  // The slots follow the loaded amsgrad, which decides whether max_exp_avg_sq is expected.
  const AdamOptions previous = options_;
  options_ = options;
  load_slots(state.state, slots(), problems);
  if (!problems.empty()) options_ = previous;
  throw_if_any("Adam", problems);
}

}  // namespace fovea::optim
