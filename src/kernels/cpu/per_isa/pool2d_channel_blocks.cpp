// Max pooling over activations whose channels lie innermost in blocks, fovea's own loops, compiled
// once per instruction set (kernels/cpu/dispatch.hpp); pool2d_blocked.cpp decides when they apply.
//
// oneDNN's pooling took 1.3-1.4 ms per batch on nChw16c (it zero-fills and scatters through a
// generic path), more than the convolutions around it, and 0.25 ms forward on the NHWC output of
// its bf16 (AMX) convolutions. In nChw16c, nChw8c and NHWC alike the memory is [blocks][H][W][lanes]
// (lanes = 16, 8, or all C channels, one block per image), so a window's max is a max over lanes-
// wide vectors and the argmax (spatial index h * W + w, as in the plain kernel) is recorded per lane.
#include <algorithm>
#include <limits>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {

bool is_2x2_stride_2(const Pool2dShape& s) {
  return s.kernel_h == 2 && s.kernel_w == 2 && s.stride_h == 2 && s.stride_w == 2 && s.pad_h == 0 && s.pad_w == 0;
}

int64_t block_count(const Pool2dShape& s, int64_t lanes) { return s.batch * ((s.channels + lanes - 1) / lanes); }

// The seed's 2x2 stride-2 pooling: four vectors per window, no bounds checks, and a backward that
// writes every input element once (windows tile the input) instead of zero-filling and scattering.
// kLanes is the block width when fixed (8, 16: the loops unroll to whole vectors), 0 for NHWC's C.
template <int64_t kLanes>
void max_pool_2x2_forward(const Pool2dShape& s, int64_t lanes, const float* input, float* output, int32_t* argmax) {
  const int64_t L = kLanes ? kLanes : lanes;
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = block_count(s, L);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const float* in = input + b * H * W * L;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int32_t p0 = int32_t(2 * oh * W + 2 * ow);
        const float* r0 = in + int64_t(p0) * L;
        const float* r1 = r0 + W * L;
        float* out = output + (b * OH * OW + oh * OW + ow) * L;
        int32_t* arg = argmax + (b * OH * OW + oh * OW + ow) * L;
#pragma omp simd
        for (int64_t l = 0; l < L; ++l) {
          float v = r0[l];
          int32_t a = p0;
          const float b1 = r0[L + l], c = r1[l], d = r1[L + l];
          if ((b1 > v) | (b1 != b1)) v = b1, a = p0 + 1;  // first max wins, NaN propagates
          if ((c > v) | (c != c)) v = c, a = p0 + int32_t(W);
          if ((d > v) | (d != d)) v = d, a = p0 + int32_t(W) + 1;
          out[l] = v;
          arg[l] = a;
        }
      }
  }
}

template <int64_t kLanes>
void max_pool_2x2_backward(const Pool2dShape& s, int64_t lanes, const float* grad_output, const int32_t* argmax,
                           float* grad_input) {
  const int64_t L = kLanes ? kLanes : lanes;
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = block_count(s, L);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    float* gx = grad_input + b * H * W * L;
    // Rows and columns past the last full window (odd sizes) receive no gradient.
    if (H % 2 || W % 2) std::fill_n(gx, H * W * L, 0.0f);
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int32_t p0 = int32_t(2 * oh * W + 2 * ow);
        const float* gy = grad_output + (b * OH * OW + oh * OW + ow) * L;
        const int32_t* arg = argmax + (b * OH * OW + oh * OW + ow) * L;
        float* q0 = gx + int64_t(p0) * L;
        float* q1 = q0 + W * L;
#pragma omp simd
        for (int64_t l = 0; l < L; ++l) {
          const int32_t a = arg[l];
          q0[l] = a == p0 ? gy[l] : 0.0f;
          q0[L + l] = a == p0 + 1 ? gy[l] : 0.0f;
          q1[l] = a == p0 + int32_t(W) ? gy[l] : 0.0f;
          q1[L + l] = a == p0 + int32_t(W) + 1 ? gy[l] : 0.0f;
        }
      }
  }
}

// Any window, stride and padding: 16 lanes at a time.
void max_pool_any_forward(const Pool2dShape& s, int64_t L, const float* input, float* output, int32_t* argmax) {
  constexpr int64_t kChunk = 16;
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = block_count(s, L);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const float* in = input + b * H * W * L;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t l0 = 0; l0 < L; l0 += kChunk) {
          const int64_t n = std::min(kChunk, L - l0);
          float best[kChunk];
          int32_t arg[kChunk];
          for (int64_t l = 0; l < kChunk; ++l) best[l] = -std::numeric_limits<float>::infinity(), arg[l] = -1;
          for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
            const int64_t h = oh * s.stride_h - s.pad_h + kh;
            if (h < 0 || h >= H) continue;
            for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
              const int64_t w = ow * s.stride_w - s.pad_w + kw;
              if (w < 0 || w >= W) continue;
              const float* v = in + (h * W + w) * L + l0;
              const int32_t pos = int32_t(h * W + w);
              // PyTorch's rule per lane: strictly greater wins (first max kept), NaN always wins.
              for (int64_t l = 0; l < n; ++l) {
                const bool take = (v[l] > best[l]) | (v[l] != v[l]) | (arg[l] < 0);
                best[l] = take ? v[l] : best[l];
                arg[l] = take ? pos : arg[l];
              }
            }
          }
          const int64_t o = (b * OH * OW + oh * OW + ow) * L + l0;
          for (int64_t l = 0; l < n; ++l) output[o + l] = best[l], argmax[o + l] = arg[l];
        }
  }
}

void max_pool_any_backward(const Pool2dShape& s, int64_t L, const float* grad_output, const int32_t* argmax,
                           float* grad_input) {
  const int64_t OH = s.out_h(), OW = s.out_w(), plane = s.in_h * s.in_w;
  const int64_t blocks = block_count(s, L);
  // One thread owns each block of channel planes: a fixed order, no atomics, reproducible.
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    float* gx = grad_input + b * plane * L;
    std::fill_n(gx, plane * L, 0.0f);
    const float* gy = grad_output + b * OH * OW * L;
    const int32_t* arg = argmax + b * OH * OW * L;
    for (int64_t o = 0; o < OH * OW; ++o)
      for (int64_t l = 0; l < L; ++l) gx[int64_t(arg[o * L + l]) * L + l] += gy[o * L + l];
  }
}

}  // namespace

void max_pool2d_channel_blocks_forward(const Pool2dShape& s, int64_t lanes, const float* input, float* output,
                                       int32_t* argmax) {
  if (!is_2x2_stride_2(s)) return max_pool_any_forward(s, lanes, input, output, argmax);
  if (lanes == 16) return max_pool_2x2_forward<16>(s, lanes, input, output, argmax);
  if (lanes == 8) return max_pool_2x2_forward<8>(s, lanes, input, output, argmax);
  max_pool_2x2_forward<0>(s, lanes, input, output, argmax);
}

void max_pool2d_channel_blocks_backward(const Pool2dShape& s, int64_t lanes, const float* grad_output,
                                        const int32_t* argmax, float* grad_input) {
  if (!is_2x2_stride_2(s)) return max_pool_any_backward(s, lanes, grad_output, argmax, grad_input);
  if (lanes == 16) return max_pool_2x2_backward<16>(s, lanes, grad_output, argmax, grad_input);
  if (lanes == 8) return max_pool_2x2_backward<8>(s, lanes, grad_output, argmax, grad_input);
  max_pool_2x2_backward<0>(s, lanes, grad_output, argmax, grad_input);
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
