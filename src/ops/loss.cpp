// log_softmax, nll_loss and their fusion cross_entropy, with gradients.
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

namespace {

void check_targets(const char* op, const Tensor& scores, const std::vector<int64_t>& target) {
  ops_detail::check_dim(scores, 2, op, "input (N x C)");
  if (static_cast<int64_t>(target.size()) != scores.size(0))
    throw ShapeError(std::string(op) + ": input of shape " + to_string(scores.shape()) + " but " +
                     std::to_string(target.size()) + " targets");
  for (size_t i = 0; i < target.size(); ++i)
    if (target[i] < 0 || target[i] >= scores.size(1))
      throw ValueError(std::string(op) + ": target " + std::to_string(target[i]) + " at position " +
                       std::to_string(i) + " is out of bounds for " + std::to_string(scores.size(1)) + " classes");
}

}  // namespace

Tensor log_softmax(const Tensor& input) {
  ops_detail::check_dim(input, 2, "log_softmax", "input (N x C)");
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

Tensor nll_loss(const Tensor& log_probs, const std::vector<int64_t>& target) {
  check_targets("nll_loss", log_probs, target);
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

Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& target) {
  check_targets("cross_entropy", logits, target);
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
