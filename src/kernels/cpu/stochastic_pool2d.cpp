// Stochastic pooling (Zeiler & Fergus 2013), threads splitting the (n, c) planes. The sampling
// walks each window in row-major order with float running sums, the same arithmetic as the
// reference, so that both pick the same element for the same draw.
#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/strided_loop.hpp"

namespace fovea::kernels::cpu {

namespace {

template <typename F>
void for_planes(const Pool2dShape& s, F f) {
  parallel_for(s.batch * s.channels, s.in_h * s.in_w, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) f(p);
  });
}

// The sum and the sum of squares of the window's non-negative parts (negatives count as 0), in
// row-major order: the eval value is sum_sq / sum, and its gradient needs both.
std::pair<float, float> window_sums(const Pool2dShape& s, const float* in, int64_t h0, int64_t w0) {
  float sum = 0.0f, sum_sq = 0.0f;
  for (int64_t h = h0; h < h0 + s.kernel_h; ++h)
    for (int64_t w = w0; w < w0 + s.kernel_w; ++w) {
      const float v = std::max(in[h * s.in_w + w], 0.0f);
      sum += v;
      sum_sq += v * v;
    }
  return {sum, sum_sq};
}

}  // namespace

void stochastic_pool2d_forward(const Pool2dShape& s, const float* input, const float* uniform, float* output,
                               int32_t* index) {
  const int64_t oh_n = s.out_h(), ow_n = s.out_w(), plane = s.in_h * s.in_w;
  for_planes(s, [&](int64_t p) {
    const float* in = input + p * plane;
    for (int64_t oh = 0; oh < oh_n; ++oh)
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        const int64_t o = (p * oh_n + oh) * ow_n + ow;
        const int64_t h0 = oh * s.stride_h, w0 = ow * s.stride_w;
        const auto [sum, sum_sq] = window_sums(s, in, h0, w0);
        if (!uniform) {
          output[o] = sum > 0.0f ? sum_sq / sum : 0.0f;
          continue;
        }
        // The first positive element whose running sum passes draw * sum; if rounding never
        // passes it, the last positive element.
        int32_t chosen = -1;
        if (sum > 0.0f) {
          const float target = uniform[o] * sum;
          float running = 0.0f;
          bool done = false;
          for (int64_t h = h0; h < h0 + s.kernel_h && !done; ++h)
            for (int64_t w = w0; w < w0 + s.kernel_w; ++w) {
              const float v = std::max(in[h * s.in_w + w], 0.0f);
              if (v <= 0.0f) continue;
              running += v;
              chosen = int32_t(h * s.in_w + w);
              if (running > target) {
                done = true;
                break;
              }
            }
        }
        index[o] = chosen;
        output[o] = chosen >= 0 ? in[chosen] : 0.0f;
      }
  });
}

void stochastic_pool2d_backward(const Pool2dShape& s, const float* input, const float* grad_output,
                                const int32_t* index, float* grad_input) {
  const int64_t oh_n = s.out_h(), ow_n = s.out_w(), plane = s.in_h * s.in_w;
  for_planes(s, [&](int64_t p) {
    float* gi = grad_input + p * plane;
    const float* in = input + p * plane;
    std::memset(gi, 0, sizeof(float) * plane);
    for (int64_t oh = 0; oh < oh_n; ++oh)
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        const int64_t o = (p * oh_n + oh) * ow_n + ow;
        if (index) {
          if (index[o] >= 0) gi[index[o]] += grad_output[o];
          continue;
        }
        const int64_t h0 = oh * s.stride_h, w0 = ow * s.stride_w;
        const auto [sum, sum_sq] = window_sums(s, in, h0, w0);
        if (!(sum > 0.0f)) continue;
        const float g = grad_output[o] / (sum * sum);
        for (int64_t h = h0; h < h0 + s.kernel_h; ++h)
          for (int64_t w = w0; w < w0 + s.kernel_w; ++w) {
            const float v = in[h * s.in_w + w];
            if (v > 0.0f) gi[h * s.in_w + w] += g * (2.0f * v * sum - sum_sq);
          }
      }
  });
}

}  // namespace fovea::kernels::cpu
