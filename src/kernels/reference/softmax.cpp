// Naive log-softmax and the losses built on it, row by row, in double.
#include <algorithm>
#include <cmath>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void log_softmax_forward(int64_t rows, int64_t classes, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * classes;
    // Subtracting the row maximum keeps exp() from overflowing on large logits.
    const double m = *std::max_element(xr, xr + classes);
    double sum = 0.0;
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(xr[c] - m);
    const double log_sum = std::log(sum);
    for (int64_t c = 0; c < classes; ++c) y[r * classes + c] = float(xr[c] - m - log_sum);
  }
}

void log_softmax_backward(int64_t rows, int64_t classes, const float* y, const float* grad_y,
                          float* grad_x) {
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int64_t c = 0; c < classes; ++c) sum += grad_y[r * classes + c];
    for (int64_t c = 0; c < classes; ++c)
      grad_x[r * classes + c] = float(grad_y[r * classes + c] - std::exp(double(y[r * classes + c])) * sum);
  }
}

float nll_loss_forward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target) {
  double sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) sum -= log_probs[r * classes + target[r]];
  return float(sum / double(rows));
}

void cross_entropy_backward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                            float scale, float* grad_x) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < classes; ++c) {
      const double onehot = c == target[r] ? 1.0 : 0.0;
      grad_x[r * classes + c] = float((std::exp(double(log_probs[r * classes + c])) - onehot) * scale);
    }
}

}  // namespace fovea::kernels::reference
