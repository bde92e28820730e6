#include <cmath>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "kernels/cpu/kernels.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::optim {

void RMSprop::check_options(const RMSpropOptions& o) const {
  FOVEA_CHECK(o.lr >= 0.0, ValueError, "RMSprop: invalid learning rate ", o.lr, " (expected >= 0)");
  FOVEA_CHECK(o.eps >= 0.0, ValueError, "RMSprop: invalid epsilon ", o.eps, " (expected >= 0)");
  FOVEA_CHECK(o.momentum >= 0.0, ValueError, "RMSprop: invalid momentum ", o.momentum, " (expected >= 0)");
  FOVEA_CHECK(o.weight_decay >= 0.0, ValueError, "RMSprop: invalid weight_decay ", o.weight_decay,
              " (expected >= 0)");
  FOVEA_CHECK(o.alpha >= 0.0, ValueError, "RMSprop: invalid alpha ", o.alpha, " (expected >= 0)");
}

RMSprop::RMSprop(std::vector<Group> groups)
    : GroupedOptimizer(std::move(groups)),
      steps_(params_.size()),
      square_avg_(params_.size()),
      momentum_buffer_(params_.size()),
      grad_avg_(params_.size()) {
  check_groups();
}

void RMSprop::step() {
  std::vector<kernels::RMSpropParam> work;
  work.reserve(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    const RMSpropOptions& o = options_of_param(i);
    if (!square_avg_[i].defined()) {
      steps_[i] = zeros({});
      square_avg_[i] = zeros(p.shape());
    }
    // Made when first needed, so a group given momentum or centered later starts them at zero.
    if (o.momentum > 0.0 && !momentum_buffer_[i].defined()) momentum_buffer_[i] = zeros(p.shape());
    if (o.centered && !grad_avg_[i].defined()) grad_avg_[i] = zeros(p.shape());
    *steps_[i].data() += 1.0f;
    const kernels::RMSpropStep scalars{static_cast<float>(o.lr),           static_cast<float>(o.alpha),
                                       static_cast<float>(1.0 - o.alpha),  static_cast<float>(o.eps),
                                       static_cast<float>(o.weight_decay), static_cast<float>(o.momentum),
                                       o.centered};
    work.push_back({p.numel(), p.data(), grad.data(), square_avg_[i].data(),
                    o.centered ? grad_avg_[i].data() : nullptr,
                    o.momentum > 0.0 ? momentum_buffer_[i].data() : nullptr, scalars});
  }
  if (work.empty()) return;
  // One fused update over every parameter with a gradient (sgd.cpp says why).
  kernels::cpu::rmsprop_update_fused(static_cast<int64_t>(work.size()), work.data());
  for (Tensor& p : params_)
    if (p.grad().defined())
      fovea::detail::bump_version(p);  // an in-place write, as PyTorch's p.addcdiv_: caches keyed on it see it
}

std::vector<Optimizer::Slot> RMSprop::slots() const {
  auto* self = const_cast<RMSprop*>(this);  // slots point at the state both to save and to load it
  return {{"step", &self->steps_, /*step_count=*/true},
          {"square_avg", &self->square_avg_},
          {"momentum_buffer", &self->momentum_buffer_, false,
           [self](size_t i) { return self->options_of_param(i).momentum > 0.0; }},
          {"grad_avg", &self->grad_avg_, false, [self](size_t i) { return self->options_of_param(i).centered; }}};
}

std::map<std::string, double> RMSprop::to_hyperparameters(const RMSpropOptions& o) const {
  return {{"lr", o.lr},         {"alpha", o.alpha}, {"eps", o.eps}, {"weight_decay", o.weight_decay},
          {"momentum", o.momentum}, {"centered", o.centered ? 1.0 : 0.0}};
}

RMSpropOptions RMSprop::from_hyperparameters(const std::map<std::string, double>& h) const {
  return {.lr = h.at("lr"), .alpha = h.at("alpha"), .eps = h.at("eps"), .weight_decay = h.at("weight_decay"),
          .momentum = h.at("momentum"), .centered = h.at("centered") != 0.0};
}

}  // namespace fovea::optim
