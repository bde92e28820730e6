#include <cmath>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "kernels/cpu/kernels.hpp"

namespace fovea::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params)), options_(options), buffers_(params_.size()) {
  if (!(options.lr >= 0.0)) throw ValueError("SGD: invalid learning rate " + std::to_string(options.lr) + " (expected >= 0)");
  if (!(options.momentum >= 0.0))
    throw ValueError("SGD: invalid momentum " + std::to_string(options.momentum) + " (expected >= 0)");
  if (!(options.weight_decay >= 0.0))
    throw ValueError("SGD: invalid weight_decay " + std::to_string(options.weight_decay) + " (expected >= 0)");
  if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0))
    throw ValueError("SGD: nesterov momentum requires a momentum and zero dampening");
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

}  // namespace fovea::optim
