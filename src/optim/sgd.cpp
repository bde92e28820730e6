#include <cmath>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "kernels/cpu/kernels.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::optim {

void SGD::check_options(const SGDOptions& o) const {
  FOVEA_CHECK(o.lr >= 0.0, ValueError, "SGD: invalid learning rate ", o.lr, " (expected >= 0)");
  FOVEA_CHECK(o.momentum >= 0.0, ValueError, "SGD: invalid momentum ", o.momentum, " (expected >= 0)");
  FOVEA_CHECK(o.weight_decay >= 0.0, ValueError, "SGD: invalid weight_decay ", o.weight_decay, " (expected >= 0)");
  FOVEA_CHECK(!o.nesterov || (o.momentum > 0.0 && o.dampening == 0.0), ValueError,
              "SGD: nesterov momentum requires a momentum and zero dampening");
}

SGD::SGD(std::vector<Group> groups) : GroupedOptimizer(std::move(groups)), buffers_(params_.size()) {
  check_groups();
}

void SGD::step() {
  // Every parameter with a gradient in one fused update: one parallel region for the whole step,
  // not one per tensor (most of the seed model's tensors are too small to be worth a fork, the
  // fork of the one that is cost more than the arithmetic of the others). Elementwise, so the
  // result is the per-parameter update's, bit for bit.
  std::vector<kernels::SgdParam> work;
  work.reserve(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    const SGDOptions& o = options_of_param(i);
    const float lr = static_cast<float>(o.lr), momentum = static_cast<float>(o.momentum),
                dampening = static_cast<float>(o.dampening), decay = static_cast<float>(o.weight_decay);
    const bool first = momentum != 0.0f && !buffers_[i].defined();
    if (first) buffers_[i] = Tensor::empty(p.shape());
    work.push_back({p.numel(), p.data(), grad.data(), momentum != 0.0f ? buffers_[i].data() : nullptr, lr, momentum,
                    dampening, decay, o.nesterov, first});
  }
  if (work.empty()) return;
  kernels::cpu::sgd_update_fused(static_cast<int64_t>(work.size()), work.data());
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].grad().defined())
      fovea::detail::bump_version(params_[i]);  // an in-place write, as PyTorch's p.add_: caches keyed on it see it
}

std::vector<Optimizer::Slot> SGD::slots() const {
  return {{"momentum_buffer", const_cast<std::vector<Tensor>*>(&buffers_)}};
}

std::map<std::string, double> SGD::to_hyperparameters(const SGDOptions& o) const {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov ? 1.0 : 0.0}};
}

SGDOptions SGD::from_hyperparameters(const std::map<std::string, double>& h) const {
  return {.lr = h.at("lr"), .momentum = h.at("momentum"), .dampening = h.at("dampening"),
          .weight_decay = h.at("weight_decay"), .nesterov = h.at("nesterov") != 0.0};
}

}  // namespace fovea::optim
