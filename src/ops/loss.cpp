// Losses, as torch.nn.functional's: the elementwise ones (mse, l1, smooth_l1, binary
// cross-entropy with logits) and the class ones (nll_loss, cross_entropy with class weights,
// ignore_index and label smoothing). Each computes per-element (or per-row) losses with a kernel,
// records their gradient with the backward kernel, and leaves the reduction to sum/mean, whose
// gradients are their own. cross_entropy's common case (2-D, mean, no weight, no smoothing, no
// ignored target: every classifier's training step) runs the fused log_softmax + NLL kernels.
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

using ops_detail::check_float;

namespace {

Tensor reduce_loss(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return sum(loss);
    case Reduction::Mean: return mean(loss);
  }
  FOVEA_INTERNAL_ASSERT(false, "unknown Reduction");
  return loss;
}

// `t` (detached) broadcast to `shape` and made contiguous, after checking it broadcasts there.
Tensor broadcast_to(const Tensor& t, const Shape& shape, const char* op, const char* what) {
  const int64_t lead = static_cast<int64_t>(shape.size()) - t.dim();
  bool fits = lead >= 0;
  for (int64_t d = 0; fits && d < t.dim(); ++d) fits = t.size(d) == 1 || t.size(d) == shape[lead + d];
  FOVEA_CHECK(fits, ShapeError, op, ": ", what, " of shape ", to_string(t.shape()),
              " does not broadcast to the input's shape ", to_string(shape));
  return t.detach().expand(shape).contiguous();
}

Tensor regression_loss(const char* op, const char* node, kernels::RegressionLoss kind, const Tensor& input,
                       const Tensor& target, Reduction reduction, float beta) {
  check_float(input, op);
  check_float(target, op);
  // Input and target broadcast, as PyTorch (which warns when their shapes differ).
  const Shape shape = broadcast_shapes(input.shape(), target.shape(), op);
  const Tensor x = input.detach().expand(shape).contiguous(), t = target.detach().expand(shape).contiguous();
  Tensor loss = Tensor::empty(shape);
  kernels::cpu::regression_loss_forward(kind, loss.numel(), x.data(), t.data(), beta, loss.data());
  if (needs_graph({&input, &target})) {
    const Shape input_shape = input.shape(), target_shape = target.shape();
    const bool need_input = input.requires_grad(), need_target = target.requires_grad();
    record(
        loss, node, {input, target},
        [=](const Tensor& g) {
          Tensor gx = Tensor::empty(x.shape());
          kernels::cpu::regression_loss_backward(kind, gx.numel(), x.data(), t.data(), beta, g.contiguous().data(),
                                                 gx.data());
          return std::vector<Tensor>{need_input ? sum_to(gx, input_shape) : Tensor(),
                                     need_target ? sum_to(mul(gx, -1.0f), target_shape) : Tensor()};
        },
        {x, t});
  }
  return reduce_loss(loss, reduction);
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return regression_loss("mse_loss", "MseLossBackward", kernels::RegressionLoss::Mse, input, target, reduction, 0.0f);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return regression_loss("l1_loss", "L1LossBackward", kernels::RegressionLoss::L1, input, target, reduction, 0.0f);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, float beta) {
  FOVEA_CHECK(beta >= 0.0f, ValueError, "smooth_l1_loss: beta must be >= 0, got ", beta);
  if (beta == 0.0f) return l1_loss(input, target, reduction);  // as PyTorch: the quadratic part vanishes
  return regression_loss("smooth_l1_loss", "SmoothL1LossBackward", kernels::RegressionLoss::SmoothL1, input, target,
                         reduction, beta);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        Reduction reduction, const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  check_float(input, op);
  check_float(target, op);
  FOVEA_CHECK(target.shape() == input.shape(), ValueError, op, ": target size ", to_string(target.shape()),
              " must be the same as input size ", to_string(input.shape()));
  const Shape shape = input.shape();
  const Tensor x = input.detach().contiguous(), t = target.detach().contiguous();
  Tensor w, pw;
  if (weight.defined()) {
    check_float(weight, op);
    w = broadcast_to(weight, shape, op, "weight");
  }
  if (pos_weight.defined()) {
    check_float(pos_weight, op);
    pw = broadcast_to(pos_weight, shape, op, "pos_weight");
  }
  const float* w_data = w.defined() ? w.data() : nullptr;
  Tensor loss = Tensor::empty(shape);
  kernels::cpu::bce_with_logits_forward(loss.numel(), x.data(), t.data(), w_data, pw.defined() ? pw.data() : nullptr,
                                        loss.data());
  // weight and pos_weight get no gradient (PyTorch's derivatives do not give them one either).
  if (needs_graph({&input, &target})) {
    const bool need_input = input.requires_grad(), need_target = target.requires_grad();
    record(
        loss, "BinaryCrossEntropyWithLogitsBackward", {input, target},
        [=](const Tensor& g) {
          Tensor gx = need_input ? Tensor::empty(shape) : Tensor(), gt = need_target ? Tensor::empty(shape) : Tensor();
          kernels::cpu::bce_with_logits_backward(x.numel(), x.data(), t.data(), w.defined() ? w.data() : nullptr,
                                                 pw.defined() ? pw.data() : nullptr, g.contiguous().data(),
                                                 need_input ? gx.data() : nullptr, need_target ? gt.data() : nullptr);
          return std::vector<Tensor>{gx, gt};
        },
        {x, t});
  }
  return reduce_loss(loss, reduction);
}

// ---- class losses ----

namespace {

// A class loss's input as rows of class scores [M, C] (a differentiable view or copy of the
// input: the class dimension moved last), and its targets as M int64 values, checked.
struct ClassRows {
  Tensor rows;
  Tensor target;  // int64 [M], contiguous
  Shape target_shape;
  int64_t classes = 0;
  double total_weight = 0.0;  // of the targets that count (not ignored)
};

ClassRows class_rows(const char* op, const Tensor& input, const Tensor& target, const ClassLossOptions& options) {
  check_float(input, op);
  FOVEA_CHECK(target.defined(), Error, op, ": the target is undefined");
  FOVEA_CHECK(target.dtype() == kInt64, TypeError, op, ": expected int64 class targets, got ",
              to_string(target.dtype()));
  FOVEA_CHECK(input.dim() >= 1, ShapeError, op, ": expected an input of shape [N, C] or [N, C, d1, ...], got ",
              to_string(input.shape()));
  ClassRows out;
  out.classes = input.dim() == 1 ? input.size(0) : input.size(1);
  Shape expected_target;  // the input's shape without the class dimension
  for (int64_t d = 0; d < input.dim(); ++d)
    if (d != (input.dim() == 1 ? 0 : 1)) expected_target.push_back(input.size(d));
  FOVEA_CHECK(target.shape() == expected_target, ShapeError, op, ": input of shape ", to_string(input.shape()),
              " expects targets of shape ", to_string(expected_target), ", got ", to_string(target.shape()));
  if (options.weight.defined()) {
    check_float(options.weight, op);
    FOVEA_CHECK(options.weight.shape() == Shape{out.classes}, ShapeError, op, ": expected a weight of shape [",
                out.classes, "] (one per class), got ", to_string(options.weight.shape()));
  }
  if (input.dim() <= 2) {
    out.rows = input.dim() == 1 ? input.reshape({1, out.classes}) : input;
  } else {
    Shape order{0};
    for (int64_t d = 2; d < input.dim(); ++d) order.push_back(d);
    order.push_back(1);
    out.rows = input.permute(order).reshape({-1, out.classes});
  }
  out.target_shape = target.shape();
  // (A 0-d target, for an unbatched input, is expanded: shape.cpp cannot view a 0-d tensor as [1].)
  out.target = (target.dim() == 0 ? target.detach().expand({1}) : target.detach().reshape({-1})).contiguous();
  const int64_t* t = out.target.data_ptr<int64_t>();
  const Tensor weight = options.weight.defined() ? options.weight.detach().contiguous() : Tensor();
  for (int64_t i = 0, n = out.target.numel(); i < n; ++i) {
    if (t[i] == options.ignore_index) continue;
    FOVEA_CHECK(t[i] >= 0 && t[i] < out.classes, IndexError, op, ": target ", t[i], " at position ", i,
                " is out of bounds for ", out.classes, " classes");
    out.total_weight += weight.defined() ? weight.data()[t[i]] : 1.0;
  }
  return out;
}

// Per-row -weight[t] * rows[r, t] (0 where ignored), with its gradient.
Tensor nll_rows(const ClassRows& c, const ClassLossOptions& options) {
  const Tensor scores = c.rows.detach().contiguous();
  const Tensor weight = options.weight.defined() ? options.weight.detach().contiguous() : Tensor();
  const int64_t rows = scores.size(0), classes = c.classes, ignore = options.ignore_index;
  Tensor loss = Tensor::empty({rows}), row_weight = Tensor::empty({rows});
  kernels::cpu::nll_loss_rows(rows, classes, scores.data(), c.target.data_ptr<int64_t>(),
                              weight.defined() ? weight.data() : nullptr, ignore, loss.data(), row_weight.data());
  if (needs_graph({&c.rows})) {
    const Tensor target = c.target;
    record(
        loss, "NllLossBackward", {c.rows},
        [target, weight, rows, classes, ignore](const Tensor& g) {
          Tensor gx = Tensor::empty({rows, classes});
          kernels::cpu::nll_loss_rows_backward(rows, classes, target.data_ptr<int64_t>(),
                                               weight.defined() ? weight.data() : nullptr, ignore,
                                               g.contiguous().data(), gx.data());
          return std::vector<Tensor>{gx};
        },
        {target});
  }
  return loss;
}

// Sum, weighted mean (the sum over the weight of the targets that count: nan when none does, as
// PyTorch) or the per-target values in the target's shape.
Tensor reduce_class_loss(const Tensor& rows_loss, const ClassRows& c, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return c.target_shape.empty() ? rows_loss.squeeze(0) : rows_loss.reshape(c.target_shape);
    case Reduction::Sum: return sum(rows_loss);
    case Reduction::Mean: return mul(sum(rows_loss), static_cast<float>(1.0 / c.total_weight));
  }
  FOVEA_INTERNAL_ASSERT(false, "unknown Reduction");
  return rows_loss;
}

bool any_ignored(const ClassRows& c, int64_t ignore_index) {
  const int64_t* t = c.target.data_ptr<int64_t>();
  for (int64_t i = 0, n = c.target.numel(); i < n; ++i)
    if (t[i] == ignore_index) return true;
  return false;
}

// The fused classifier step: log_softmax and the mean NLL in two kernels, one backward kernel.
Tensor fused_cross_entropy(const Tensor& logits_, const Tensor& target) {
  const Tensor logits = logits_.detach().contiguous();
  const int64_t rows = logits.size(0), classes = logits.size(1);
  Tensor log_probs = Tensor::empty(logits.shape());
  kernels::cpu::log_softmax_forward(rows, classes, logits.data(), log_probs.data());
  Tensor out = full({}, kernels::cpu::nll_loss_forward(rows, classes, log_probs.data(), target.data_ptr<int64_t>()));
  if (needs_graph({&logits_})) {
    record(
        out, "CrossEntropyBackward", {logits_},
        [log_probs, target, rows, classes](const Tensor& g) {
          Tensor gx = Tensor::empty({rows, classes});
          kernels::cpu::cross_entropy_backward(rows, classes, log_probs.data(), target.data_ptr<int64_t>(),
                                               g.item() / static_cast<float>(rows), gx.data());
          return std::vector<Tensor>{gx};
        },
        {target});
  }
  return out;
}

}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const ClassLossOptions& options) {
  FOVEA_CHECK(options.label_smoothing == 0.0f, ValueError,
              "nll_loss: label_smoothing is an option of cross_entropy only, got ", options.label_smoothing);
  const ClassRows c = class_rows("nll_loss", log_probs, target, options);
  return reduce_class_loss(nll_rows(c, options), c, options.reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const ClassLossOptions& options) {
  const float smoothing = options.label_smoothing;
  FOVEA_CHECK(smoothing >= 0.0f && smoothing <= 1.0f, ValueError,
              "cross_entropy: label_smoothing must be between 0.0 and 1.0, got ", smoothing);
  const ClassRows c = class_rows("cross_entropy", logits, target, options);
  if (logits.dim() == 2 && !options.weight.defined() && smoothing == 0.0f && options.reduction == Reduction::Mean &&
      !any_ignored(c, options.ignore_index))
    return fused_cross_entropy(logits, c.target);
  // log_softmax over the rows' last dimension: the class dimension, wherever it was in the input.
  ClassRows lp = c;
  lp.rows = log_softmax(c.rows, 1);
  Tensor loss = reduce_class_loss(nll_rows(lp, options), lp, options.reduction);
  if (smoothing == 0.0f) return loss;
  // PyTorch's label smoothing: (1 - s) * nll + s / C * smooth, where smooth sums -weight[c] *
  // log_prob[c] over the classes of each counted row, reduced as the nll is (its mean divides by
  // the total weight of the counted targets, their number when unweighted).
  const Tensor weighted = options.weight.defined() ? mul(lp.rows, options.weight.detach()) : lp.rows;
  std::vector<float> keep(static_cast<size_t>(c.target.numel()));
  const int64_t* t = c.target.data_ptr<int64_t>();
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = t[i] == options.ignore_index ? 0.0f : -1.0f;
  const Tensor smooth = mul(sum(weighted, {1}), from_vector(keep, {c.target.numel()}));
  const Tensor smooth_loss = reduce_class_loss(smooth, lp, options.reduction);
  return add(mul(loss, 1.0f - smoothing), mul(smooth_loss, smoothing / static_cast<float>(c.classes)));
}

}  // namespace fovea
