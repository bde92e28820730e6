// Adam and AdamW share their state and their kernel; AdamW only decays the weights apart from the
// gradient (kernels::AdamStep::param_scale) instead of adding an L2 term to it.
#include <cmath>
#include <type_traits>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "kernels/cpu/kernels.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::optim::detail {

namespace {
template <typename Options>
constexpr bool kDecoupled = std::is_same_v<Options, AdamWOptions>;
}  // namespace

template <typename Options>
void AdamFamily<Options>::check_options(const Options& o) const {
  const char* who = this->name();
  FOVEA_CHECK(o.lr >= 0.0, ValueError, who, ": invalid learning rate ", o.lr, " (expected >= 0)");
  FOVEA_CHECK(o.eps >= 0.0, ValueError, who, ": invalid epsilon ", o.eps, " (expected >= 0)");
  FOVEA_CHECK(o.beta1 >= 0.0 && o.beta1 < 1.0, ValueError, who, ": invalid beta parameter at index 0: ", o.beta1,
              " (expected betas in [0, 1))");
  FOVEA_CHECK(o.beta2 >= 0.0 && o.beta2 < 1.0, ValueError, who, ": invalid beta parameter at index 1: ", o.beta2,
              " (expected betas in [0, 1))");
  FOVEA_CHECK(o.weight_decay >= 0.0, ValueError, who, ": invalid weight_decay ", o.weight_decay, " (expected >= 0)");
}

template <typename Options>
AdamFamily<Options>::AdamFamily(std::vector<Group> groups)
    : GroupedOptimizer<Options>(std::move(groups)),
      exp_avg_(this->params_.size()),
      exp_avg_sq_(this->params_.size()),
      max_exp_avg_sq_(this->params_.size()),
      steps_(this->params_.size()) {}

template <typename Options>
void AdamFamily<Options>::step() {
  std::vector<kernels::AdamParam> work;
  work.reserve(this->params_.size());
  for (size_t i = 0; i < this->params_.size(); ++i) {
    Tensor& p = this->params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    const Options& o = this->options_of_param(i);
    if (!exp_avg_[i].defined()) {
      steps_[i] = zeros({});
      exp_avg_[i] = zeros(p.shape());
      exp_avg_sq_[i] = zeros(p.shape());
    }
    // A group switched to amsgrad after its first steps starts its maximum there (torch would
    // fail on the missing state; starting from zeros is what a fresh parameter gets).
    if (o.amsgrad && !max_exp_avg_sq_[i].defined()) max_exp_avg_sq_[i] = zeros(p.shape());
    // Steps are counted per parameter, as PyTorch keeps `step` in each parameter's state: a
    // parameter that had no gradient for a while is not bias-corrected as if it had.
    float& count = *steps_[i].data();
    const double t = static_cast<double>(count += 1.0f);
    kernels::AdamStep scalars{static_cast<float>(o.beta1),
                              static_cast<float>(o.beta2),
                              static_cast<float>(o.eps),
                              kDecoupled<Options> ? 0.0f : static_cast<float>(o.weight_decay),
                              static_cast<float>(o.lr / (1.0 - std::pow(o.beta1, t))),
                              static_cast<float>(std::sqrt(1.0 - std::pow(o.beta2, t)))};
    if constexpr (kDecoupled<Options>) scalars.param_scale = static_cast<float>(1.0 - o.lr * o.weight_decay);
    work.push_back({p.numel(), p.data(), grad.data(), exp_avg_[i].data(), exp_avg_sq_[i].data(),
                    o.amsgrad ? max_exp_avg_sq_[i].data() : nullptr, scalars});
  }
  if (work.empty()) return;
  // One fused update over every parameter with a gradient (sgd.cpp says why); elementwise, so the
  // per-parameter update's result, bit for bit.
  kernels::cpu::adam_update_fused(static_cast<int64_t>(work.size()), work.data());
  for (Tensor& p : this->params_)
    if (p.grad().defined())
      fovea::detail::bump_version(p);  // an in-place write, as PyTorch's p.addcdiv_: caches keyed on it see it
}

template <typename Options>
std::vector<Optimizer::Slot> AdamFamily<Options>::slots() const {
  auto* self = const_cast<AdamFamily*>(this);  // slots point at the state both to save and to load it
  return {{"step", &self->steps_, /*step_count=*/true},
          {"exp_avg", &self->exp_avg_},
          {"exp_avg_sq", &self->exp_avg_sq_},
          {"max_exp_avg_sq", &self->max_exp_avg_sq_, false,
           [self](size_t i) { return self->options_of_param(i).amsgrad; }}};
}

template <typename Options>
std::map<std::string, double> AdamFamily<Options>::to_hyperparameters(const Options& o) const {
  return {{"lr", o.lr},
          {"betas.0", o.beta1},
          {"betas.1", o.beta2},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"amsgrad", o.amsgrad ? 1.0 : 0.0}};
}

template <typename Options>
Options AdamFamily<Options>::from_hyperparameters(const std::map<std::string, double>& h) const {
  return {.lr = h.at("lr"), .beta1 = h.at("betas.0"), .beta2 = h.at("betas.1"), .eps = h.at("eps"),
          .weight_decay = h.at("weight_decay"), .amsgrad = h.at("amsgrad") != 0.0};
}

template class AdamFamily<AdamOptions>;
template class AdamFamily<AdamWOptions>;

}  // namespace fovea::optim::detail
