// Adam's parameter update, compiled once per instruction set (kernels/cpu/dispatch.hpp) and
// without contracting a * b + c into fused multiply-adds (cmake/FoveaDispatch.cmake), so that each
// variant rounds exactly as the plain x86-64 one: elementwise, the same on any thread count.
#include "kernels/cpu/dispatch.hpp"

#include <cmath>

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
constexpr int64_t kParallelThreshold = 1 << 15;
}  // namespace

void adam_update(int64_t n, float* w, const float* g, float* m, float* v, float* vmax, const AdamStep& h) {
  const float b1 = h.beta1, b2 = h.beta2, eps = h.eps, decay = h.weight_decay, step_size = h.step_size,
              bias2_sqrt = h.bias2_sqrt, scale = h.param_scale;
  // Same operations in the same order as torch.optim.Adam (single-tensor), so results match to
  // rounding.
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t k = 0; k < n; ++k) {
    if (scale != 1.0f) w[k] *= scale;  // AdamW: param.mul_(1 - lr * weight_decay) first
    const float d = decay != 0.0f ? g[k] + decay * w[k] : g[k];
    m[k] = b1 * m[k] + (1.0f - b1) * d;
    v[k] = b2 * v[k] + (1.0f - b2) * d * d;
    float second = v[k];
    if (vmax) second = vmax[k] = vmax[k] < v[k] ? v[k] : vmax[k];
    const float denom = std::sqrt(second) / bias2_sqrt + eps;
    w[k] -= step_size * m[k] / denom;
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
