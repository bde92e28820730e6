// Naive elementwise losses and weighted NLL rows, in double: the oracle for per_isa/loss.cpp.
#include <algorithm>
#include <cmath>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

namespace {
double softplus_neg(double x) { return std::log1p(std::exp(-std::fabs(x))) + std::max(-x, 0.0); }  // log(1+e^-x)
}  // namespace

void regression_loss_forward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                             float* loss) {
  for (int64_t k = 0; k < n; ++k) {
    const double d = double(x[k]) - t[k];
    if (kind == RegressionLoss::Mse) loss[k] = float(d * d);
    if (kind == RegressionLoss::L1) loss[k] = float(std::fabs(d));
    if (kind == RegressionLoss::SmoothL1)
      loss[k] = float(std::fabs(d) < beta ? 0.5 * d * d / beta : std::fabs(d) - 0.5 * beta);
  }
}

void regression_loss_backward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                              const float* grad_loss, float* grad_x) {
  for (int64_t k = 0; k < n; ++k) {
    const double d = double(x[k]) - t[k];
    const double sign = d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;
    double slope = 0.0;
    if (kind == RegressionLoss::Mse) slope = 2.0 * d;
    if (kind == RegressionLoss::L1) slope = sign;
    if (kind == RegressionLoss::SmoothL1) slope = std::fabs(d) < beta ? d / beta : sign;
    grad_x[k] = float(slope * grad_loss[k]);
  }
}

void bce_with_logits_forward(int64_t n, const float* x, const float* t, const float* weight,
                             const float* pos_weight, float* loss) {
  for (int64_t k = 0; k < n; ++k) {
    // -(p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), with log sigmoid(x) = -softplus(-x).
    const double p = pos_weight ? pos_weight[k] : 1.0;
    const double value = p * t[k] * softplus_neg(x[k]) + (1.0 - t[k]) * (double(x[k]) + softplus_neg(x[k]));
    loss[k] = float(value * (weight ? weight[k] : 1.0));
  }
}

void bce_with_logits_backward(int64_t n, const float* x, const float* t, const float* weight,
                              const float* pos_weight, const float* grad_loss, float* grad_x, float* grad_t) {
  for (int64_t k = 0; k < n; ++k) {
    const double p = pos_weight ? pos_weight[k] : 1.0, w = weight ? weight[k] : 1.0;
    const double sigmoid = 1.0 / (1.0 + std::exp(-double(x[k])));
    // d/dx of p t softplus(-x) + (1 - t)(x + softplus(-x)) = -p t (1 - s) + (1 - t) s
    if (grad_x) grad_x[k] = float((-p * t[k] * (1.0 - sigmoid) + (1.0 - t[k]) * sigmoid) * w * grad_loss[k]);
    if (grad_t) grad_t[k] = float((p * softplus_neg(x[k]) - x[k] - softplus_neg(x[k])) * w * grad_loss[k]);
  }
}

void nll_loss_rows(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                   const float* weight, int64_t ignore_index, float* loss, float* row_weight) {
  for (int64_t r = 0; r < rows; ++r) {
    const bool ignored = target[r] == ignore_index;
    const float w = ignored ? 0.0f : weight ? weight[target[r]] : 1.0f;
    loss[r] = ignored ? 0.0f : -w * log_probs[r * classes + target[r]];
    row_weight[r] = w;
  }
}

void nll_loss_rows_backward(int64_t rows, int64_t classes, const int64_t* target, const float* weight,
                            int64_t ignore_index, const float* grad_loss, float* grad_x) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < classes; ++c)
      grad_x[r * classes + c] =
          c == target[r] && c != ignore_index ? -(weight ? weight[c] : 1.0f) * grad_loss[r] : 0.0f;
}

}  // namespace fovea::kernels::reference
