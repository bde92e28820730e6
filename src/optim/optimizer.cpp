#include "fovea/optim/optimizer.hpp"

#include "fovea/error.hpp"

namespace fovea::optim {

Optimizer::Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
  if (params_.empty()) throw ValueError("optimizer got an empty parameter list");
  for (size_t i = 0; i < params_.size(); ++i)
    if (!params_[i].defined() || !params_[i].is_leaf())
      throw ValueError("optimizer parameter " + std::to_string(i) + " is not a defined leaf tensor");
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.set_grad(Tensor());
}

}  // namespace fovea::optim
