// Parameter updates, compiled once per instruction set (kernels/cpu/dispatch.hpp). Elementwise:
// each element's arithmetic is the same whatever the thread count, so splitting the loop keeps
// runs bit-for-bit reproducible.
#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
// fc1's 200,704 weights are worth two threads; biases are not.
constexpr int64_t kParallelThreshold = 1 << 15;
}  // namespace

void sgd_update(int64_t n, float* w, const float* g, float* buf, float lr, float momentum, float dampening,
                float decay, bool nesterov, bool first) {
  if (momentum == 0.0f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
    for (int64_t k = 0; k < n; ++k) w[k] -= lr * (g[k] + decay * w[k]);
    return;
  }
  // Same operations in the same order as torch.optim.SGD, so results match to rounding.
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t k = 0; k < n; ++k) {
    const float d = decay != 0.0f ? g[k] + decay * w[k] : g[k];
    buf[k] = first ? d : momentum * buf[k] + (1.0f - dampening) * d;
    w[k] -= lr * (nesterov ? d + momentum * buf[k] : buf[k]);
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
