// Adam's parameter update, compiled once per instruction set (kernels/cpu/dispatch.hpp) and
// without contracting a * b + c into fused multiply-adds (cmake/FoveaDispatch.cmake), so that each
// variant rounds exactly as the plain x86-64 one: elementwise, the same on any thread count.
#include "kernels/cpu/dispatch.hpp"

#include <omp.h>

#include <cmath>

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
#include "kernels/cpu/per_isa/fused_params.hpp"

constexpr int64_t kParallelThreshold = 1 << 15;
}  // namespace

namespace {
// Elements [begin, end) of one parameter: the loop both entry points run.
inline void adam_range(const AdamParam& q, int64_t begin, int64_t end) noexcept {
  float *w = q.weight, *m = q.exp_avg, *v = q.exp_avg_sq, *vmax = q.max_exp_avg_sq;
  const float* g = q.grad;
  const AdamStep& h = q.step;
  const float b1 = h.beta1, b2 = h.beta2, eps = h.eps, decay = h.weight_decay, step_size = h.step_size,
              bias2_sqrt = h.bias2_sqrt, scale = h.param_scale;
  // Same operations in the same order as torch.optim.Adam (single-tensor), so results match to
  // rounding.
#pragma omp simd
  for (int64_t k = begin; k < end; ++k) {
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
}  // namespace

void adam_update(int64_t n, float* w, const float* g, float* m, float* v, float* vmax, const AdamStep& h) {
  const AdamParam q{n, w, g, m, v, vmax, h};
  adam_update_fused(1, &q);
}

void adam_update_fused(int64_t count, const AdamParam* params) {
  fused_update(count, params, kParallelThreshold, adam_range);
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
