// RMSprop's parameter update, compiled once per instruction set (kernels/cpu/dispatch.hpp) and, as
// Adam's, without contracting a * b + c into fused multiply-adds (cmake/FoveaDispatch.cmake), so
// that each variant rounds exactly as the plain x86-64 one and the reference kernel.
#include "kernels/cpu/dispatch.hpp"

#include <cmath>

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
constexpr int64_t kParallelThreshold = 1 << 15;
}  // namespace

// Same operations in the same order as torch.optim.RMSprop (single-tensor): addcmul's
// value * t1 * t2, addcdiv's value * t1 / t2, add_(x, alpha) as self + alpha * x.
void rmsprop_update(int64_t n, float* w, const float* g, float* sq, float* ga, float* buf, const RMSpropStep& h) {
  const float alpha = h.alpha, one_minus_alpha = h.one_minus_alpha, eps = h.eps, decay = h.weight_decay,
              momentum = h.momentum, neg_lr = -h.lr;
  const bool centered = h.centered, use_momentum = momentum > 0.0f;
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t k = 0; k < n; ++k) {
    const float d = decay != 0.0f ? g[k] + decay * w[k] : g[k];
    sq[k] = alpha * sq[k] + one_minus_alpha * d * d;
    float avg;
    if (centered) {
      ga[k] = alpha * ga[k] + one_minus_alpha * d;
      avg = std::sqrt(sq[k] + -1.0f * ga[k] * ga[k]);
    } else {
      avg = std::sqrt(sq[k]);
    }
    avg = avg + eps;
    if (use_momentum) {
      buf[k] = momentum * buf[k] + d / avg;
      w[k] = w[k] + neg_lr * buf[k];
    } else {
      w[k] = w[k] + neg_lr * d / avg;
    }
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
