// RMSprop's parameter update, compiled once per instruction set (kernels/cpu/dispatch.hpp) and, as
// Adam's, without contracting a * b + c into fused multiply-adds (cmake/FoveaDispatch.cmake), so
// that each variant rounds exactly as the plain x86-64 one and the reference kernel.
#include "kernels/cpu/dispatch.hpp"

#include <omp.h>

#include <cmath>

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
#include "kernels/cpu/per_isa/fused_params.hpp"

constexpr int64_t kParallelThreshold = 1 << 15;
}  // namespace

namespace {
// Elements [begin, end) of one parameter: the loop both entry points run. Same operations in the
// same order as torch.optim.RMSprop (single-tensor): addcmul's value * t1 * t2, addcdiv's
// value * t1 / t2, add_(x, alpha) as self + alpha * x.
inline void rmsprop_range(const RMSpropParam& q, int64_t begin, int64_t end) noexcept {
  float *w = q.weight, *sq = q.square_avg, *ga = q.grad_avg, *buf = q.momentum_buffer;
  const float* g = q.grad;
  const RMSpropStep& h = q.step;
  const float alpha = h.alpha, one_minus_alpha = h.one_minus_alpha, eps = h.eps, decay = h.weight_decay,
              momentum = h.momentum, neg_lr = -h.lr;
  const bool centered = h.centered, use_momentum = momentum > 0.0f;
#pragma omp simd
  for (int64_t k = begin; k < end; ++k) {
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

}  // namespace

void rmsprop_update(int64_t n, float* w, const float* g, float* sq, float* ga, float* buf, const RMSpropStep& h) {
  const RMSpropParam q{n, w, g, sq, ga, buf, h};
  rmsprop_update_fused(1, &q);
}

void rmsprop_update_fused(int64_t count, const RMSpropParam* params) {
  fused_update(count, params, kParallelThreshold, rmsprop_range);
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
