// Naive Adam update, element by element: the oracle for per_isa/adam.cpp (the same float
// operations, so the two agree bit for bit).
#include <algorithm>
#include <cmath>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void adam_update(int64_t n, float* w, const float* g, float* m, float* v, float* vmax, const AdamStep& h) {
  for (int64_t k = 0; k < n; ++k) {
    const float d = h.weight_decay != 0.0f ? g[k] + h.weight_decay * w[k] : g[k];
    m[k] = h.beta1 * m[k] + (1.0f - h.beta1) * d;
    v[k] = h.beta2 * v[k] + (1.0f - h.beta2) * d * d;
    const float second = vmax ? (vmax[k] = std::max(vmax[k], v[k])) : v[k];
    w[k] -= h.step_size * m[k] / (std::sqrt(second) / h.bias2_sqrt + h.eps);
  }
}

}  // namespace fovea::kernels::reference
