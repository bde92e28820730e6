// Naive stochastic pooling: each window's clamped values listed, then sampled or averaged, for
// kernels_test to hold the plane-parallel kernel to (same float sums in the same order, so the
// same element is drawn).
#include <algorithm>
#include <vector>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

namespace {

// The window's (offset in the plane, value) pairs in row-major order.
std::vector<std::pair<int64_t, float>> window(const Pool2dShape& s, const float* plane, int64_t oh, int64_t ow) {
  std::vector<std::pair<int64_t, float>> out;
  for (int64_t kh = 0; kh < s.kernel_h; ++kh)
    for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
      const int64_t at = (oh * s.stride_h + kh) * s.in_w + ow * s.stride_w + kw;
      out.emplace_back(at, plane[at]);
    }
  return out;
}

}  // namespace

void stochastic_pool2d_forward(const Pool2dShape& s, const float* input, const float* uniform, float* output,
                               int32_t* index) {
  const int64_t OH = s.out_h(), OW = s.out_w();
  for (int64_t p = 0; p < s.batch * s.channels; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t o = (p * OH + oh) * OW + ow;
        const auto win = window(s, input + p * s.in_h * s.in_w, oh, ow);
        float sum = 0.0f, sum_sq = 0.0f;
        for (const auto& [at, v] : win) {
          sum += std::max(v, 0.0f);
          sum_sq += std::max(v, 0.0f) * std::max(v, 0.0f);
        }
        if (!uniform) {
          output[o] = sum > 0.0f ? sum_sq / sum : 0.0f;
          continue;
        }
        int64_t chosen = -1;
        float running = 0.0f;
        for (const auto& [at, v] : win) {
          if (!(sum > 0.0f) || v <= 0.0f) continue;
          running += v;
          chosen = at;
          if (running > uniform[o] * sum) break;
        }
        index[o] = int32_t(chosen);
        output[o] = chosen >= 0 ? input[p * s.in_h * s.in_w + chosen] : 0.0f;
      }
}

void stochastic_pool2d_backward(const Pool2dShape& s, const float* input, const float* grad_output,
                                const int32_t* index, float* grad_input) {
  const int64_t OH = s.out_h(), OW = s.out_w(), plane = s.in_h * s.in_w;
  std::fill_n(grad_input, s.batch * s.channels * plane, 0.0f);
  for (int64_t p = 0; p < s.batch * s.channels; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t o = (p * OH + oh) * OW + ow;
        if (index) {
          if (index[o] >= 0) grad_input[p * plane + index[o]] += grad_output[o];
          continue;
        }
        const auto win = window(s, input + p * plane, oh, ow);
        double sum = 0.0, sum_sq = 0.0;
        for (const auto& [at, v] : win) {
          sum += std::max(v, 0.0f);
          sum_sq += double(std::max(v, 0.0f)) * std::max(v, 0.0f);
        }
        if (!(sum > 0.0)) continue;
        // d/dx_j (Q / S) = (2 x_j S - Q) / S^2 for x_j > 0.
        for (const auto& [at, v] : win)
          if (v > 0.0f) grad_input[p * plane + at] += float(grad_output[o] * (2.0 * v * sum - sum_sq) / (sum * sum));
      }
}

}  // namespace fovea::kernels::reference
