// log_softmax, nll_loss and their fusion cross_entropy, with gradients.
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

namespace {

std::vector<int64_t> check_targets(const char* op, const Tensor& scores, const Tensor& target_tensor) {
  ops_detail::check_dim(scores, 2, op, "input (N x C)");
  FOVEA_CHECK(target_tensor.dtype() == kInt64, TypeError, op, ": expected int64 class targets, got ",
              to_string(target_tensor.dtype()));
  FOVEA_CHECK(target_tensor.dim() == 1 && target_tensor.size(0) == scores.size(0), ShapeError, op, ": input of shape ",
              to_string(scores.shape()), " but targets of shape ", to_string(target_tensor.shape()));
  std::vector<int64_t> target = target_tensor.to_vector<int64_t>();
  for (size_t i = 0; i < target.size(); ++i)
    FOVEA_CHECK(target[i] >= 0 && target[i] < scores.size(1), IndexError, op, ": target ", target[i], " at position ",
                i, " is out of bounds for ", scores.size(1), " classes");
  return target;
}

}  // namespace

Tensor log_softmax(const Tensor& input_, int64_t dim) {
  ops_detail::check_dim(input_, 2, "log_softmax", "input (N x C)");
  FOVEA_CHECK(ops_detail::wrap_dim(dim, 2, "log_softmax") == 1, ShapeError, "log_softmax: only dim 1 so far");
  const Tensor input = input_.contiguous();
  const int64_t rows = input.size(0), classes = input.size(1);
  Tensor out = Tensor::empty(input.shape());
  kernels::cpu::log_softmax_forward(rows, classes, input.data(), out.data());
  if (needs_graph({&input})) {
    Tensor y = out.detach();
    record(out, "LogSoftmaxBackward", {input}, [y, rows, classes](const Tensor& g) {
      Tensor gx = Tensor::empty(g.shape());
      kernels::cpu::log_softmax_backward(rows, classes, y.data(), g.data(), gx.data());
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor nll_loss(const Tensor& log_probs_, const Tensor& target_tensor, const ClassLossOptions&) {
  const std::vector<int64_t> target = check_targets("nll_loss", log_probs_, target_tensor);
  const Tensor log_probs = log_probs_.contiguous();
  const int64_t rows = log_probs.size(0), classes = log_probs.size(1);
  Tensor out = full({}, kernels::cpu::nll_loss_forward(rows, classes, log_probs.data(), target.data()));
  if (needs_graph({&log_probs})) {
    record(out, "NllLossBackward", {log_probs}, [target, rows, classes](const Tensor& g) {
      Tensor gx = zeros({rows, classes});
      const float scale = -g.item() / static_cast<float>(rows);
      for (int64_t r = 0; r < rows; ++r) gx.data()[r * classes + target[r]] = scale;
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor cross_entropy(const Tensor& logits_, const Tensor& target_tensor, const ClassLossOptions&) {
  const std::vector<int64_t> target = check_targets("cross_entropy", logits_, target_tensor);
  const Tensor logits = logits_.contiguous();
  const int64_t rows = logits.size(0), classes = logits.size(1);
  Tensor log_probs = Tensor::empty(logits.shape());
  kernels::cpu::log_softmax_forward(rows, classes, logits.data(), log_probs.data());
  Tensor out = full({}, kernels::cpu::nll_loss_forward(rows, classes, log_probs.data(), target.data()));
  if (needs_graph({&logits})) {
    record(out, "CrossEntropyBackward", {logits}, [log_probs, target, rows, classes](const Tensor& g) {
      Tensor gx = Tensor::empty({rows, classes});
      kernels::cpu::cross_entropy_backward(rows, classes, log_probs.data(), target.data(),
                                           g.item() / static_cast<float>(rows), gx.data());
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace fovea
