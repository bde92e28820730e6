// Naive batch normalisation: the textbook formulas, one element at a time, index arithmetic spelled
// out, for kernels_test to hold the channel-parallel kernels to.
#include <cmath>
#include <vector>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

namespace {
int64_t at(const BatchNormShape& s, int64_t n, int64_t c, int64_t i) { return (n * s.channels + c) * s.spatial + i; }
}  // namespace

void batch_norm_stats(const BatchNormShape& s, const float* x, float* mean, float* var) {
  const double count = double(s.batch * s.spatial);
  for (int64_t c = 0; c < s.channels; ++c) {
    double sum = 0.0;
    for (int64_t n = 0; n < s.batch; ++n)
      for (int64_t i = 0; i < s.spatial; ++i) sum += x[at(s, n, c, i)];
    const double m = count > 0 ? sum / count : 0.0;
    double sq = 0.0;
    for (int64_t n = 0; n < s.batch; ++n)
      for (int64_t i = 0; i < s.spatial; ++i) sq += (x[at(s, n, c, i)] - m) * (x[at(s, n, c, i)] - m);
    mean[c] = float(m);
    var[c] = count > 0 ? float(sq / count) : 0.0f;
  }
}

void batch_norm_forward(const BatchNormShape& s, const float* x, const float* mean, const float* invstd,
                        const float* weight, const float* bias, float* y) {
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t c = 0; c < s.channels; ++c)
      for (int64_t i = 0; i < s.spatial; ++i) {
        const float xhat = (x[at(s, n, c, i)] - mean[c]) * invstd[c];
        y[at(s, n, c, i)] = xhat * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f);
      }
}

void batch_norm_backward(const BatchNormShape& s, const float* x, const float* grad_y, const float* mean,
                         const float* invstd, const float* weight, bool batch_stats, float* grad_x,
                         float* grad_weight, float* grad_bias) {
  const double count = double(s.batch * s.spatial);
  for (int64_t c = 0; c < s.channels; ++c) {
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    for (int64_t n = 0; n < s.batch; ++n)
      for (int64_t i = 0; i < s.spatial; ++i) {
        sum_dy += grad_y[at(s, n, c, i)];
        sum_dy_xhat += double(grad_y[at(s, n, c, i)]) * (x[at(s, n, c, i)] - mean[c]) * invstd[c];
      }
    if (grad_bias) grad_bias[c] = float(sum_dy);
    if (grad_weight) grad_weight[c] = float(sum_dy_xhat);
    if (!grad_x) continue;
    const double w = weight ? weight[c] : 1.0;
    for (int64_t n = 0; n < s.batch; ++n)
      for (int64_t i = 0; i < s.spatial; ++i) {
        const double dy = grad_y[at(s, n, c, i)];
        const double xhat = (x[at(s, n, c, i)] - mean[c]) * invstd[c];
        // d xhat / dx with xhat = (x - mean(x)) / sqrt(var(x) + eps): the classic three terms.
        const double dxhat = batch_stats ? dy - sum_dy / count - xhat * sum_dy_xhat / count : dy;
        grad_x[at(s, n, c, i)] = float(w * invstd[c] * dxhat);
      }
  }
}

void batch_norm_update_running(int64_t channels, const float* mean, const float* var, int64_t count, float momentum,
                               float* running_mean, float* running_var) {
  for (int64_t c = 0; c < channels; ++c) {
    const double unbiased = count > 1 ? double(var[c]) * double(count) / double(count - 1) : double(var[c]);
    running_mean[c] = float((1.0 - momentum) * running_mean[c] + momentum * double(mean[c]));
    running_var[c] = float((1.0 - momentum) * running_var[c] + momentum * unbiased);
  }
}

}  // namespace fovea::kernels::reference
