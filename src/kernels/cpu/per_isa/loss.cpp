// The elementwise losses (mse, l1, smooth_l1, binary cross-entropy with logits) and the weighted
// negative log-likelihood over rows of class scores, compiled once per instruction set
// (kernels/cpu/dispatch.hpp). Elementwise and per row: results never depend on the thread count.
#include <cmath>
#include <cstdint>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
constexpr int64_t kGrain = 32768;

inline float sign_of(float d) { return d > 0.0f ? 1.0f : d < 0.0f ? -1.0f : 0.0f; }
}  // namespace

void regression_loss_forward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                             float* loss) {
#pragma omp parallel for simd schedule(static) if (parallel : n > kGrain)
  for (int64_t k = 0; k < n; ++k) {
    const float d = x[k] - t[k], a = std::fabs(d);
    switch (kind) {
      case RegressionLoss::Mse: loss[k] = d * d; break;
      case RegressionLoss::L1: loss[k] = a; break;
      case RegressionLoss::SmoothL1: loss[k] = a < beta ? 0.5f * d * d / beta : a - 0.5f * beta; break;
    }
  }
}

void regression_loss_backward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                              const float* grad_loss, float* grad_x) {
#pragma omp parallel for simd schedule(static) if (parallel : n > kGrain)
  for (int64_t k = 0; k < n; ++k) {
    const float d = x[k] - t[k];
    float slope = 0.0f;
    switch (kind) {
      case RegressionLoss::Mse: slope = 2.0f * d; break;
      case RegressionLoss::L1: slope = sign_of(d); break;
      case RegressionLoss::SmoothL1: slope = d <= -beta ? -1.0f : d >= beta ? 1.0f : d / beta; break;
    }
    grad_x[k] = slope * grad_loss[k];
  }
}

void bce_with_logits_forward(int64_t n, const float* x, const float* t, const float* weight,
                             const float* pos_weight, float* loss) {
#pragma omp parallel for schedule(static) if (n > kGrain)
  for (int64_t k = 0; k < n; ++k) {
    // PyTorch's stable form: with m = max(-x, 0), log(1 + exp(-x)) = m + log(exp(-m) + exp(-x - m)).
    const float m = -x[k] > 0.0f ? -x[k] : 0.0f;
    const float softplus = std::log(std::exp(-m) + std::exp(-x[k] - m)) + m;
    const float log_weight = pos_weight ? (pos_weight[k] - 1.0f) * t[k] + 1.0f : 1.0f;
    const float value = (1.0f - t[k]) * x[k] + log_weight * softplus;
    loss[k] = weight ? value * weight[k] : value;
  }
}

void bce_with_logits_backward(int64_t n, const float* x, const float* t, const float* weight,
                              const float* pos_weight, const float* grad_loss, float* grad_x, float* grad_t) {
#pragma omp parallel for schedule(static) if (n > kGrain)
  for (int64_t k = 0; k < n; ++k) {
    const float w = weight ? weight[k] : 1.0f, g = grad_loss[k] * w;
    const float sigmoid = 1.0f / (1.0f + std::exp(-x[k]));
    if (grad_x) {
      if (pos_weight) {
        const float pt = pos_weight[k] * t[k];
        grad_x[k] = ((pt + 1.0f - t[k]) * sigmoid - pt) * g;
      } else {
        grad_x[k] = (sigmoid - t[k]) * g;
      }
    }
    if (grad_t) {
      // d/dt = -x + (pos_weight - 1) * log(1 + exp(-x))
      const float m = -x[k] > 0.0f ? -x[k] : 0.0f;
      const float softplus = std::log(std::exp(-m) + std::exp(-x[k] - m)) + m;
      grad_t[k] = (-x[k] + (pos_weight ? pos_weight[k] - 1.0f : 0.0f) * softplus) * g;
    }
  }
}

void nll_loss_rows(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                   const float* weight, int64_t ignore_index, float* loss, float* row_weight) {
#pragma omp parallel for schedule(static) if (rows > kGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = target[r];
    if (c == ignore_index) {
      loss[r] = 0.0f;
      row_weight[r] = 0.0f;
      continue;
    }
    const float w = weight ? weight[c] : 1.0f;
    loss[r] = -w * log_probs[r * classes + c];
    row_weight[r] = w;
  }
}

void nll_loss_rows_backward(int64_t rows, int64_t classes, const int64_t* target, const float* weight,
                            int64_t ignore_index, const float* grad_loss, float* grad_x) {
#pragma omp parallel for schedule(static) if (rows * classes > kGrain)
  for (int64_t r = 0; r < rows; ++r) {
    float* g = grad_x + r * classes;
    for (int64_t c = 0; c < classes; ++c) g[c] = 0.0f;
    const int64_t c = target[r];
    if (c != ignore_index) g[c] = -(weight ? weight[c] : 1.0f) * grad_loss[r];
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
