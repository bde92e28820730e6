// Max pooling over activations in oneDNN's nChw16c layout, fovea's own loops, compiled once per
// instruction set (kernels/cpu/dispatch.hpp); pool2d_blocked.cpp decides when they apply.
//
// oneDNN's pooling backward took 1.3-1.4 ms per batch here (it zero-fills and scatters through a
// generic path), more than the convolutions around it. In nChw16c every spatial position holds 16
// consecutive channels, so a window's max is a max over 16-wide vectors and the argmax (spatial
// index h * W + w, as in the plain kernel) is recorded per lane.
#include <algorithm>
#include <limits>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {

constexpr int64_t kBlock = 16;

bool is_2x2_stride_2(const Pool2dShape& s) {
  return s.kernel_h == 2 && s.kernel_w == 2 && s.stride_h == 2 && s.stride_w == 2 && s.pad_h == 0 && s.pad_w == 0;
}

// The seed's 2x2 stride-2 pooling: four 16-lane vectors per window, no bounds checks, and a
// backward that writes every input element once (windows tile the input) instead of zero-filling
// and scattering.
void max_pool_16c_2x2_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const float* in = input + b * H * W * kBlock;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int32_t p0 = int32_t(2 * oh * W + 2 * ow);
        const float* r0 = in + int64_t(p0) * kBlock;
        const float* r1 = r0 + W * kBlock;
        float* out = output + (b * OH * OW + oh * OW + ow) * kBlock;
        int32_t* arg = argmax + (b * OH * OW + oh * OW + ow) * kBlock;
#pragma omp simd
        for (int64_t l = 0; l < kBlock; ++l) {
          float v = r0[l];
          int32_t a = p0;
          const float b1 = r0[kBlock + l], c = r1[l], d = r1[kBlock + l];
          if ((b1 > v) | (b1 != b1)) v = b1, a = p0 + 1;  // first max wins, NaN propagates
          if ((c > v) | (c != c)) v = c, a = p0 + int32_t(W);
          if ((d > v) | (d != d)) v = d, a = p0 + int32_t(W) + 1;
          out[l] = v;
          arg[l] = a;
        }
      }
  }
}

void max_pool_16c_2x2_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                               float* grad_input) {
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    float* gx = grad_input + b * H * W * kBlock;
    // Rows and columns past the last full window (odd sizes) receive no gradient.
    if (H % 2 || W % 2) std::fill_n(gx, H * W * kBlock, 0.0f);
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int32_t p0 = int32_t(2 * oh * W + 2 * ow);
        const float* gy = grad_output + (b * OH * OW + oh * OW + ow) * kBlock;
        const int32_t* arg = argmax + (b * OH * OW + oh * OW + ow) * kBlock;
        float* q0 = gx + int64_t(p0) * kBlock;
        float* q1 = q0 + W * kBlock;
#pragma omp simd
        for (int64_t l = 0; l < kBlock; ++l) {
          const int32_t a = arg[l];
          q0[l] = a == p0 ? gy[l] : 0.0f;
          q0[kBlock + l] = a == p0 + 1 ? gy[l] : 0.0f;
          q1[l] = a == p0 + int32_t(W) ? gy[l] : 0.0f;
          q1[kBlock + l] = a == p0 + int32_t(W) + 1 ? gy[l] : 0.0f;
        }
      }
  }
}

}  // namespace

void max_pool2d_nchw16c_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  if (is_2x2_stride_2(s)) return max_pool_16c_2x2_forward(s, input, output, argmax);
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const float* in = input + b * H * W * kBlock;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        float best[kBlock];
        int32_t arg[kBlock];
        for (int64_t l = 0; l < kBlock; ++l) best[l] = -std::numeric_limits<float>::infinity(), arg[l] = -1;
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          const int64_t h = oh * s.stride_h - s.pad_h + kh;
          if (h < 0 || h >= H) continue;
          for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
            const int64_t w = ow * s.stride_w - s.pad_w + kw;
            if (w < 0 || w >= W) continue;
            const float* v = in + (h * W + w) * kBlock;
            const int32_t pos = int32_t(h * W + w);
            // PyTorch's rule per lane: strictly greater wins (first max kept), NaN always wins.
#pragma omp simd
            for (int64_t l = 0; l < kBlock; ++l) {
              const bool take = (v[l] > best[l]) | (v[l] != v[l]) | (arg[l] < 0);
              best[l] = take ? v[l] : best[l];
              arg[l] = take ? pos : arg[l];
            }
          }
        }
        const int64_t o = (b * OH * OW + oh * OW + ow) * kBlock;
        for (int64_t l = 0; l < kBlock; ++l) output[o + l] = best[l], argmax[o + l] = arg[l];
      }
  }
}

void max_pool2d_nchw16c_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                                 float* grad_input) {
  if (is_2x2_stride_2(s)) return max_pool_16c_2x2_backward(s, grad_output, argmax, grad_input);
  const int64_t OH = s.out_h(), OW = s.out_w(), plane = s.in_h * s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
  // One thread owns each block of 16 channel planes: a fixed order, no atomics, reproducible.
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    float* gx = grad_input + b * plane * kBlock;
    std::fill_n(gx, plane * kBlock, 0.0f);
    const float* gy = grad_output + b * OH * OW * kBlock;
    const int32_t* arg = argmax + b * OH * OW * kBlock;
    for (int64_t o = 0; o < OH * OW; ++o)
      for (int64_t l = 0; l < kBlock; ++l) gx[int64_t(arg[o * kBlock + l]) * kBlock + l] += gy[o * kBlock + l];
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
