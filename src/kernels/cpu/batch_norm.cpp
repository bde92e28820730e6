// Batch normalisation kernels: each channel is independent, so threads split the channels and each
// walks its channel's batch * spatial values, a contiguous run per sample. Sums are in double so
// the statistics do not depend on the order or on how many values a channel has.
#include <cmath>

#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/strided_loop.hpp"

namespace fovea::kernels::cpu {

namespace {

// f(c, base(n)) for each channel c in [begin, end): base(n) is sample n's run of the channel.
template <typename F>
void for_channels(const BatchNormShape& s, F f) {
  parallel_for(s.channels, s.per_channel(), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) f(c);
  });
}

inline int64_t run_offset(const BatchNormShape& s, int64_t n, int64_t c) { return (n * s.channels + c) * s.spatial; }

}  // namespace

void batch_norm_stats(const BatchNormShape& s, const float* x, float* mean, float* var) {
  for_channels(s, [&](int64_t c) {
    double sum = 0.0;
    for (int64_t n = 0; n < s.batch; ++n) {
      const float* row = x + run_offset(s, n, c);
      for (int64_t i = 0; i < s.spatial; ++i) sum += row[i];
    }
    const double m = s.per_channel() > 0 ? sum / double(s.per_channel()) : 0.0;
    // Second pass over the deviations: no cancellation when the mean is large against the spread.
    double sq = 0.0;
    for (int64_t n = 0; n < s.batch; ++n) {
      const float* row = x + run_offset(s, n, c);
      for (int64_t i = 0; i < s.spatial; ++i) {
        const double d = double(row[i]) - m;
        sq += d * d;
      }
    }
    mean[c] = float(m);
    var[c] = s.per_channel() > 0 ? float(sq / double(s.per_channel())) : 0.0f;
  });
}

void batch_norm_forward(const BatchNormShape& s, const float* x, const float* mean, const float* invstd,
                        const float* weight, const float* bias, float* y) {
  for_channels(s, [&](int64_t c) {
    // One multiply-add per element: y = x * scale + shift.
    const float scale = invstd[c] * (weight ? weight[c] : 1.0f);
    const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
    for (int64_t n = 0; n < s.batch; ++n) {
      const int64_t o = run_offset(s, n, c);
      const float* in = x + o;
      float* out = y + o;
      for (int64_t i = 0; i < s.spatial; ++i) out[i] = in[i] * scale + shift;
    }
  });
}

void batch_norm_backward(const BatchNormShape& s, const float* x, const float* grad_y, const float* mean,
                         const float* invstd, const float* weight, bool batch_stats, float* grad_x,
                         float* grad_weight, float* grad_bias) {
  for_channels(s, [&](int64_t c) {
    const float m = mean[c], is = invstd[c], w = weight ? weight[c] : 1.0f;
    // sum(dy) and sum(dy * (x - mean)): grad_bias, grad_weight * std, and the two terms through
    // which the batch statistics pass the gradient back to x.
    double sum_dy = 0.0, sum_dy_xmu = 0.0;
    for (int64_t n = 0; n < s.batch; ++n) {
      const int64_t o = run_offset(s, n, c);
      for (int64_t i = 0; i < s.spatial; ++i) {
        sum_dy += grad_y[o + i];
        sum_dy_xmu += double(grad_y[o + i]) * (double(x[o + i]) - m);
      }
    }
    if (grad_bias) grad_bias[c] = float(sum_dy);
    if (grad_weight) grad_weight[c] = float(sum_dy_xmu * is);
    if (!grad_x) return;
    const float k = w * is;
    if (!batch_stats) {
      for (int64_t n = 0; n < s.batch; ++n) {
        const int64_t o = run_offset(s, n, c);
        for (int64_t i = 0; i < s.spatial; ++i) grad_x[o + i] = grad_y[o + i] * k;
      }
      return;
    }
    // dx = w * invstd * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy * (x - mean))).
    const double count = double(s.per_channel());
    const float mean_dy = float(sum_dy / count);
    const float proj = float(sum_dy_xmu / count) * is * is;
    for (int64_t n = 0; n < s.batch; ++n) {
      const int64_t o = run_offset(s, n, c);
      for (int64_t i = 0; i < s.spatial; ++i) grad_x[o + i] = (grad_y[o + i] - mean_dy - (x[o + i] - m) * proj) * k;
    }
  });
}

void batch_norm_update_running(int64_t channels, const float* mean, const float* var, int64_t count, float momentum,
                               float* running_mean, float* running_var) {
  const float unbias = count > 1 ? float(count) / float(count - 1) : 1.0f;
  for (int64_t c = 0; c < channels; ++c) {
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean[c];
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * var[c] * unbias;
  }
}

}  // namespace fovea::kernels::cpu
