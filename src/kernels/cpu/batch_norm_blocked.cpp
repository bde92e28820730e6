// Batch normalisation on activations in a channel-blocked layout (nChw16c, nChw8c: what a
// convolution leaves them in), so that conv -> batch norm -> relu -> pool never reorders to NCHW.
//
// The layout suits batch norm better than NCHW does: the `block` channels of one position lie
// side by side, so each vector lane is one channel and every sum is a vector sum, no horizontal
// reduction. Threads split the samples; each sums its sample's positions in float (at most a few
// thousand values, one image) and the per-sample sums are added in double, so the statistics do
// not depend on the thread count. Lanes past the last channel (the layout's padding) stay zero.
#include <oneapi/dnnl/dnnl.hpp>

#include <vector>

#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/layout_impl.hpp"
#include "kernels/cpu/strided_loop.hpp"

namespace fovea::kernels::cpu {

namespace {

struct Blocks {
  int64_t batch, channels, spatial, block, count;  // count: blocks of channels
  Blocks(const BatchNormShape& s, int64_t block_)
      : batch(s.batch), channels(s.channels), spatial(s.spatial), block(block_), count((s.channels + block_ - 1) / block_) {}
  int64_t padded() const { return count * block; }
  // Sample n's positions of channel block cb: spatial runs of `block` floats.
  int64_t offset(int64_t n, int64_t cb) const { return (n * count + cb) * spatial * block; }
};

// For each sample n and channel c: sum over positions of f(lane values), into out[n * padded + c].
// `f(acc, i, lanes)` adds position i's lanes (i counts floats from the run's start).
template <int B, typename AddRun>
void per_sample_sums(const Blocks& b, std::vector<double>& out, AddRun add_run) {
  out.assign(static_cast<size_t>(b.batch * b.padded()), 0.0);
  parallel_for(b.batch, b.padded() * b.spatial, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n)
      for (int64_t cb = 0; cb < b.count; ++cb) {
        float acc[B] = {};
        add_run(acc, n, cb);
        for (int l = 0; l < B; ++l) out[n * b.padded() + cb * B + l] = acc[l];
      }
  });
}

// The per-channel totals of per-sample sums, in double.
std::vector<double> totals(const Blocks& b, const std::vector<double>& per_sample) {
  std::vector<double> t(static_cast<size_t>(b.padded()), 0.0);
  for (int64_t n = 0; n < b.batch; ++n)
    for (int64_t c = 0; c < b.padded(); ++c) t[c] += per_sample[n * b.padded() + c];
  return t;
}

template <int B>
void stats(const Blocks& b, const float* x, float* mean, float* var) {
  const double count = double(b.batch * b.spatial);
  std::vector<double> partial;
  per_sample_sums<B>(b, partial, [&](float* acc, int64_t n, int64_t cb) {
    const float* p = x + b.offset(n, cb);
    for (int64_t i = 0; i < b.spatial * B; i += B)
      for (int l = 0; l < B; ++l) acc[l] += p[i + l];
  });
  std::vector<double> sum = totals(b, partial);
  std::vector<float> m(static_cast<size_t>(b.padded()));
  for (int64_t c = 0; c < b.padded(); ++c) m[c] = count > 0 ? float(sum[c] / count) : 0.0f;
  // Second pass over the deviations: no cancellation when the mean is large against the spread.
  per_sample_sums<B>(b, partial, [&](float* acc, int64_t n, int64_t cb) {
    const float* p = x + b.offset(n, cb);
    const float* mu = m.data() + cb * B;
    for (int64_t i = 0; i < b.spatial * B; i += B)
      for (int l = 0; l < B; ++l) {
        const float d = p[i + l] - mu[l];
        acc[l] += d * d;
      }
  });
  std::vector<double> sq = totals(b, partial);
  for (int64_t c = 0; c < b.channels; ++c) {
    mean[c] = m[c];
    var[c] = count > 0 ? float(sq[c] / count) : 0.0f;
  }
}

// y = x * scale + shift per lane; scale and shift hold `padded` values, zero past the channels.
template <int B>
void affine(const Blocks& b, const float* x, const float* scale, const float* shift, float* y) {
  parallel_for(b.batch, b.padded() * b.spatial, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n)
      for (int64_t cb = 0; cb < b.count; ++cb) {
        const float* in = x + b.offset(n, cb);
        float* out = y + b.offset(n, cb);
        const float* k = scale + cb * B;
        const float* c = shift + cb * B;
        for (int64_t i = 0; i < b.spatial * B; i += B)
          for (int l = 0; l < B; ++l) out[i + l] = in[i + l] * k[l] + c[l];
      }
  });
}

template <int B>
void forward(const Blocks& b, const float* x, const float* mean, const float* invstd, const float* weight,
             const float* bias, float* y) {
  std::vector<float> scale(static_cast<size_t>(b.padded()), 0.0f), shift(static_cast<size_t>(b.padded()), 0.0f);
  for (int64_t c = 0; c < b.channels; ++c) {
    scale[c] = invstd[c] * (weight ? weight[c] : 1.0f);
    shift[c] = (bias ? bias[c] : 0.0f) - mean[c] * scale[c];
  }
  affine<B>(b, x, scale.data(), shift.data(), y);
}

template <int B>
void backward(const Blocks& b, const float* x, const float* grad_y, const float* mean, const float* invstd,
              const float* weight, bool batch_stats, float* grad_x, float* grad_weight, float* grad_bias) {
  std::vector<float> m(static_cast<size_t>(b.padded()), 0.0f);
  for (int64_t c = 0; c < b.channels; ++c) m[c] = mean[c];
  std::vector<double> partial;
  per_sample_sums<B>(b, partial, [&](float* acc, int64_t n, int64_t cb) {
    const float* g = grad_y + b.offset(n, cb);
    for (int64_t i = 0; i < b.spatial * B; i += B)
      for (int l = 0; l < B; ++l) acc[l] += g[i + l];
  });
  const std::vector<double> sum_dy = totals(b, partial);
  per_sample_sums<B>(b, partial, [&](float* acc, int64_t n, int64_t cb) {
    const float* g = grad_y + b.offset(n, cb);
    const float* p = x + b.offset(n, cb);
    const float* mu = m.data() + cb * B;
    for (int64_t i = 0; i < b.spatial * B; i += B)
      for (int l = 0; l < B; ++l) acc[l] += g[i + l] * (p[i + l] - mu[l]);
  });
  const std::vector<double> sum_dy_xmu = totals(b, partial);
  for (int64_t c = 0; c < b.channels; ++c) {
    if (grad_bias) grad_bias[c] = float(sum_dy[c]);
    if (grad_weight) grad_weight[c] = float(sum_dy_xmu[c] * invstd[c]);
  }
  if (!grad_x) return;
  // dx = k * dy + c1 * x + c0 per lane, with k = w * invstd; with batch statistics
  // dx = k * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy * (x - mean))).
  std::vector<float> k(static_cast<size_t>(b.padded()), 0.0f), c1(k), c0(k);
  const double count = double(b.batch * b.spatial);
  for (int64_t c = 0; c < b.channels; ++c) {
    k[c] = (weight ? weight[c] : 1.0f) * invstd[c];
    if (!batch_stats) continue;
    const float mean_dy = float(sum_dy[c] / count), proj = float(sum_dy_xmu[c] / count) * invstd[c] * invstd[c];
    c1[c] = -proj * k[c];
    c0[c] = (m[c] * proj - mean_dy) * k[c];
  }
  parallel_for(b.batch, b.padded() * b.spatial, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n)
      for (int64_t cb = 0; cb < b.count; ++cb) {
        const int64_t o = b.offset(n, cb);
        const float *g = grad_y + o, *p = x + o, *kk = k.data() + cb * B, *a = c1.data() + cb * B,
                    *z = c0.data() + cb * B;
        float* out = grad_x + o;
        for (int64_t i = 0; i < b.spatial * B; i += B)
          for (int l = 0; l < B; ++l) out[i + l] = g[i + l] * kk[l] + p[i + l] * a[l] + z[l];
      }
  });
}

}  // namespace

int64_t batch_norm_channel_block(const BackendLayout& layout) {
  using dnnl::memory;
  const memory::dims dims = layout.desc.dims();
  if (dims.size() != 4) return 0;
  if (layout.desc == memory::desc(dims, memory::data_type::f32, memory::format_tag::nChw16c)) return 16;
  if (layout.desc == memory::desc(dims, memory::data_type::f32, memory::format_tag::nChw8c)) return 8;
  return 0;
}

void batch_norm_stats_blocked(const BatchNormShape& s, int64_t block, const float* x, float* mean, float* var) {
  const Blocks b(s, block);
  block == 16 ? stats<16>(b, x, mean, var) : stats<8>(b, x, mean, var);
}

void batch_norm_forward_blocked(const BatchNormShape& s, int64_t block, const float* x, const float* mean,
                                const float* invstd, const float* weight, const float* bias, float* y) {
  const Blocks b(s, block);
  block == 16 ? forward<16>(b, x, mean, invstd, weight, bias, y) : forward<8>(b, x, mean, invstd, weight, bias, y);
}

void batch_norm_backward_blocked(const BatchNormShape& s, int64_t block, const float* x, const float* grad_y,
                                 const float* mean, const float* invstd, const float* weight, bool batch_stats,
                                 float* grad_x, float* grad_weight, float* grad_bias) {
  const Blocks b(s, block);
  if (block == 16)
    backward<16>(b, x, grad_y, mean, invstd, weight, batch_stats, grad_x, grad_weight, grad_bias);
  else
    backward<8>(b, x, grad_y, mean, invstd, weight, batch_stats, grad_x, grad_weight, grad_bias);
}

}  // namespace fovea::kernels::cpu
