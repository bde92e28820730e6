// Parameter updates, compiled once per instruction set (kernels/cpu/dispatch.hpp). Elementwise:
// each element's arithmetic is the same whatever the thread count, so splitting the loop keeps
// runs bit-for-bit reproducible.
#include <omp.h>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
#include "kernels/cpu/per_isa/fused_params.hpp"

// fc1's 200,704 weights are worth two threads; biases are not.
constexpr int64_t kParallelThreshold = 1 << 15;

// torch.optim.SGD on elements [begin, end) of one parameter. The one loop both entry points run,
// so the fused step rounds exactly as the per-parameter one.
inline void sgd_range(const SgdParam& q, int64_t begin, int64_t end) noexcept {
  float* w = q.weight;
  const float* g = q.grad;
  const float lr = q.lr, decay = q.weight_decay;
  if (q.momentum == 0.0f) {
#pragma omp simd
    for (int64_t k = begin; k < end; ++k) w[k] -= lr * (g[k] + decay * w[k]);
    return;
  }
  float* buf = q.buffer;
  const float momentum = q.momentum, dampening = q.dampening;
  const bool nesterov = q.nesterov, first = q.first;
  // Same operations in the same order as torch.optim.SGD, so results match to rounding.
#pragma omp simd
  for (int64_t k = begin; k < end; ++k) {
    const float d = decay != 0.0f ? g[k] + decay * w[k] : g[k];
    buf[k] = first ? d : momentum * buf[k] + (1.0f - dampening) * d;
    w[k] -= lr * (nesterov ? d + momentum * buf[k] : buf[k]);
  }
}

}  // namespace

void sgd_update(int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float dampening,
                float decay, bool nesterov, bool first) {
  const SgdParam q{n, w, g, buf, lr, momentum, dampening, decay, nesterov, first};
  sgd_update_fused(1, &q);
}

void sgd_update_fused(int64_t count, const SgdParam* params) {
  fused_update(count, params, kParallelThreshold, sgd_range);
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
