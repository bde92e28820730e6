#pragma once
// torch.nn.utils' gradient clipping. Here, not in optim, because that is where PyTorch keeps it
// and what it acts on is the parameters' .grad, whichever optimizer (or none) follows; nn sits
// below optim, so optim may use it too.
#include <limits>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::nn::utils {

// torch.nn.utils.clip_grad_norm_: the norm_type-norm of all gradients together (the norm of the
// per-parameter norms; norm_type = inf: the largest |g|), and, when it exceeds max_norm, every
// gradient scaled in place by max_norm / (total_norm + 1e-6). Parameters without a gradient are
// skipped; none at all gives 0. Returns the total norm before clipping (torch returns it as a 0-d
// float32 tensor: this is its value). error_if_nonfinite: a NaN or infinite total norm is a
// ValueError, and no gradient changes.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// torch.nn.utils.clip_grad_value_: every gradient element clamped to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace fovea::nn::utils
