#include <cmath>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "kernels/cpu/kernels.hpp"

namespace fovea::optim {

namespace {

void check_options(const SGDOptions& options) {
  if (!(options.lr >= 0.0)) throw ValueError("SGD: invalid learning rate " + std::to_string(options.lr) + " (expected >= 0)");
  if (!(options.momentum >= 0.0))
    throw ValueError("SGD: invalid momentum " + std::to_string(options.momentum) + " (expected >= 0)");
  if (!(options.weight_decay >= 0.0))
    throw ValueError("SGD: invalid weight_decay " + std::to_string(options.weight_decay) + " (expected >= 0)");
  if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0))
    throw ValueError("SGD: nesterov momentum requires a momentum and zero dampening");
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params)), options_(options), buffers_(params_.size()) {
  check_options(options);
}

void SGD::step() {
  const float lr = static_cast<float>(options_.lr), momentum = static_cast<float>(options_.momentum),
              dampening = static_cast<float>(options_.dampening), decay = static_cast<float>(options_.weight_decay);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    const bool first = momentum != 0.0f && !buffers_[i].defined();
    if (first) buffers_[i] = Tensor::empty(p.shape());
    kernels::cpu::sgd_update(p.numel(), p.data(), grad.data(), momentum != 0.0f ? buffers_[i].data() : nullptr, lr,
                             momentum, dampening, decay, options_.nesterov, first);
  }
}



OptimizerState SGD::state_dict() const {
  OptimizerState out;
  out.state = save_slots({{"momentum_buffer", const_cast<std::vector<Tensor>*>(&buffers_)}});
  out.hyperparameters = {{"lr", options_.lr},
                         {"momentum", options_.momentum},
                         {"dampening", options_.dampening},
                         {"weight_decay", options_.weight_decay},
                         {"nesterov", options_.nesterov ? 1.0 : 0.0}};
  return out;
}

void SGD::load_state_dict(const OptimizerState& state) {
  std::vector<std::string> problems;
  auto h = take_hyperparameters(state.hyperparameters, {"lr", "momentum", "dampening", "weight_decay", "nesterov"},
                                problems);
  SGDOptions options = options_;
  if (problems.empty()) {
    options = {.lr = h["lr"], .momentum = h["momentum"], .dampening = h["dampening"],
               .weight_decay = h["weight_decay"], .nesterov = h["nesterov"] != 0.0};
    try {
      check_options(options);
    } catch (const ValueError& e) {
      problems.push_back(e.what());
    }
  }
  load_slots(state.state, {{"momentum_buffer", &buffers_}}, problems);
  throw_if_any("SGD", problems);
  options_ = options;
}

}  // namespace fovea::optim
