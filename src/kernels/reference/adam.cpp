// Naive Adam and RMSprop updates, element by element: the oracles for per_isa/adam.cpp and
// per_isa/rmsprop.cpp (the same float operations, so each pair agrees bit for bit).
#include <algorithm>
#include <cmath>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void adam_update(int64_t n, float* w, const float* g, float* m, float* v, float* vmax, const AdamStep& h) {
  for (int64_t k = 0; k < n; ++k) {
    if (h.param_scale != 1.0f) w[k] *= h.param_scale;
    const float d = h.weight_decay != 0.0f ? g[k] + h.weight_decay * w[k] : g[k];
    m[k] = h.beta1 * m[k] + (1.0f - h.beta1) * d;
    v[k] = h.beta2 * v[k] + (1.0f - h.beta2) * d * d;
    const float second = vmax ? (vmax[k] = std::max(vmax[k], v[k])) : v[k];
    w[k] -= h.step_size * m[k] / (std::sqrt(second) / h.bias2_sqrt + h.eps);
  }
}

void rmsprop_update(int64_t n, float* w, const float* g, float* square_avg, float* grad_avg, float* buffer,
                    const RMSpropStep& h) {
  for (int64_t k = 0; k < n; ++k) {
    const float d = h.weight_decay != 0.0f ? g[k] + h.weight_decay * w[k] : g[k];
    square_avg[k] = h.alpha * square_avg[k] + h.one_minus_alpha * d * d;
    float avg;
    if (h.centered) {
      grad_avg[k] = h.alpha * grad_avg[k] + h.one_minus_alpha * d;
      avg = std::sqrt(square_avg[k] + -1.0f * grad_avg[k] * grad_avg[k]);
    } else {
      avg = std::sqrt(square_avg[k]);
    }
    avg = avg + h.eps;
    if (h.momentum > 0.0f) {
      buffer[k] = h.momentum * buffer[k] + d / avg;
      w[k] = w[k] + -h.lr * buffer[k];
    } else {
      w[k] = w[k] + -h.lr * d / avg;
    }
  }
}

}  // namespace fovea::kernels::reference
