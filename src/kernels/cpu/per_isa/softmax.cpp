// Log-softmax over rows and the classification losses built on it, compiled once per instruction
// set (kernels/cpu/dispatch.hpp).
#include <cmath>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

#include "kernels/cpu/per_isa/vec_math.hpp"

namespace {
// MNIST's 128 x 10 logits are far below this: a parallel region would cost more than the work.
constexpr int64_t kParallelThreshold = 1 << 16;
}  // namespace

void log_softmax_forward(int64_t rows, int64_t classes, const float* x, float* y) {
#pragma omp parallel for schedule(static) if (rows * classes > kParallelThreshold)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * classes;
    float* yr = y + r * classes;
    // Subtracting the row maximum keeps exp() from overflowing on large logits.
    float m = xr[0];
    for (int64_t c = 1; c < classes; ++c) m = xr[c] > m ? xr[c] : m;  // branchless: random logits
    // exp(x - m) into y first (a vector loop, no libm call), then its sum in order.
#pragma omp simd
    for (int64_t c = 0; c < classes; ++c) yr[c] = vec_math::exp(xr[c] - m);
    float sum = 0.0f;
    for (int64_t c = 0; c < classes; ++c) sum += yr[c];
    // (x - m) - log(sum), not x - (m + log(sum)): with logits near 1e4 the float m + log(sum)
    // rounds away most of log(sum), as PyTorch avoids too.
    const float log_sum = vec_math::log(sum);
    for (int64_t c = 0; c < classes; ++c) yr[c] = (xr[c] - m) - log_sum;
  }
}

void log_softmax_backward(int64_t rows, int64_t classes, const float* y, const float* grad_y,
                          float* grad_x) {
#pragma omp parallel for schedule(static) if (rows * classes > kParallelThreshold)
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * classes;
    const float* gr = grad_y + r * classes;
    float sum = 0.0f;
    for (int64_t c = 0; c < classes; ++c) sum += gr[c];
    for (int64_t c = 0; c < classes; ++c) grad_x[r * classes + c] = gr[c] - std::exp(yr[c]) * sum;
  }
}

float nll_loss_forward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target) {
  // Serial and in double: one fixed order, whatever the thread count.
  double sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) sum -= log_probs[r * classes + target[r]];
  return float(sum / double(rows));
}

void cross_entropy_backward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                            float scale, float* grad_x) {
  // softmax * scale over every element (one vector loop), then the one-hot's -scale at each target.
  const int64_t n = rows * classes;
#pragma omp parallel for simd schedule(static) if (parallel : n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) grad_x[i] = vec_math::exp(log_probs[i]) * scale;
  for (int64_t r = 0; r < rows; ++r) {
    float& g = grad_x[r * classes + target[r]];
    g = (vec_math::exp(log_probs[r * classes + target[r]]) - 1.0f) * scale;
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
