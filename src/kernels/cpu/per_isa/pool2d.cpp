// Max and average pooling: plain loops, one (image, channel) plane per OpenMP iteration, compiled
// once per instruction set (kernels/cpu/dispatch.hpp).
//
// Planes are independent, so with a static schedule each output element is computed by exactly
// one thread in a fixed order: results are bitwise reproducible, backward's scatter needs no
// atomics, and no thread writes another's cache lines except at plane boundaries.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {

// Below this many input elements a parallel region costs more than it saves.
constexpr int64_t kParallelThreshold = 1 << 14;

// PyTorch's rule: a later element wins only if strictly greater, so ties keep the first in
// row-major window order, and NaN always wins so that it propagates.
inline bool takes_max(float v, float best) { return v > best || std::isnan(v); }

// The seed's 2x2 stride-2 unpadded pooling: every window is four in-bounds elements. On random
// data the comparisons are unpredictable, so the loop is written to vectorise into compares and
// blends (non-short-circuit `|`, an offset chosen per lane): the branchy scalar loop was 4-5x
// slower. simdlen(8) because rows of 14 or 7 outputs never fill a 16-lane AVX-512 vector.
void max_pool_2x2(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  const int64_t OH = s.out_h(), OW = s.out_w(), W = s.in_w, planes = s.batch * s.channels;
  const int32_t below = int32_t(W);
#pragma omp parallel for schedule(static) if (planes * s.in_h * s.in_w > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = input + p * s.in_h * W;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const float* r0 = in + 2 * oh * W;
      const float* r1 = r0 + W;
      float* out = output + (p * OH + oh) * OW;
      int32_t* arg = argmax + (p * OH + oh) * OW;
      const int32_t top = int32_t(2 * oh * W);
#pragma omp simd simdlen(8)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
        float v = a;
        int32_t offset = 0;
        if ((b > v) | (b != b)) v = b, offset = 1;  // same rule as takes_max; b != b is isnan
        if ((c > v) | (c != c)) v = c, offset = below;
        if ((d > v) | (d != d)) v = d, offset = below + 1;
        out[ow] = v;
        arg[ow] = top + int32_t(2 * ow) + offset;
      }
    }
  }
}

// PyTorch's count_include_pad=True divisor: the window clipped to the padded input (the full
// kernel area unless a window hangs past the bottom/right padding), then clipped to the input.
struct Window {
  int64_t h0, h1, w0, w1, count;
};

inline Window window(const Pool2dShape& s, int64_t oh, int64_t ow) {
  const int64_t h0 = oh * s.stride_h - s.pad_h, w0 = ow * s.stride_w - s.pad_w;
  const int64_t h1 = std::min(h0 + s.kernel_h, s.in_h + s.pad_h), w1 = std::min(w0 + s.kernel_w, s.in_w + s.pad_w);
  return {std::max<int64_t>(h0, 0), std::min(h1, s.in_h), std::max<int64_t>(w0, 0), std::min(w1, s.in_w),
          (h1 - h0) * (w1 - w0)};
}

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  if (s.kernel_h == 2 && s.kernel_w == 2 && s.stride_h == 2 && s.stride_w == 2 && s.pad_h == 0 && s.pad_w == 0)
    return max_pool_2x2(s, input, output, argmax);
  const int64_t OH = s.out_h(), OW = s.out_w(), planes = s.batch * s.channels;
#pragma omp parallel for schedule(static) if (planes * s.in_h * s.in_w > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = input + p * s.in_h * s.in_w;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = std::max<int64_t>(oh * s.stride_h - s.pad_h, 0);
      const int64_t h1 = std::min(oh * s.stride_h - s.pad_h + s.kernel_h, s.in_h);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = std::max<int64_t>(ow * s.stride_w - s.pad_w, 0);
        const int64_t w1 = std::min(ow * s.stride_w - s.pad_w + s.kernel_w, s.in_w);
        // Padding is never chosen: start from -inf at the first real element.
        int64_t best = h0 * s.in_w + w0;
        float best_val = -std::numeric_limits<float>::infinity();
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w)
            if (takes_max(in[h * s.in_w + w], best_val)) best_val = in[h * s.in_w + w], best = h * s.in_w + w;
        output[(p * OH + oh) * OW + ow] = best_val;
        argmax[(p * OH + oh) * OW + ow] = int32_t(best);
      }
    }
  }
}

void max_pool2d_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                         float* grad_input) {
  const int64_t out_plane = s.out_h() * s.out_w(), in_plane = s.in_h * s.in_w;
  const int64_t planes = s.batch * s.channels;
#pragma omp parallel for schedule(static) if (planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    float* gin = grad_input + p * in_plane;
    const float* gout = grad_output + p * out_plane;
    const int32_t* arg = argmax + p * out_plane;
    std::fill(gin, gin + in_plane, 0.0f);
    // Overlapping windows may share an argmax, hence += in output order.
    for (int64_t o = 0; o < out_plane; ++o) gin[arg[o]] += gout[o];
  }
}

void avg_pool2d_forward(const Pool2dShape& s, const float* input, float* output) {
  const int64_t OH = s.out_h(), OW = s.out_w(), planes = s.batch * s.channels;
#pragma omp parallel for schedule(static) if (planes * s.in_h * s.in_w > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = input + p * s.in_h * s.in_w;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const Window win = window(s, oh, ow);
        float sum = 0.0f;
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) sum += in[h * s.in_w + w];
        output[(p * OH + oh) * OW + ow] = sum / float(win.count);
      }
  }
}

void avg_pool2d_backward(const Pool2dShape& s, const float* grad_output, float* grad_input) {
  const int64_t OH = s.out_h(), OW = s.out_w(), planes = s.batch * s.channels, in_plane = s.in_h * s.in_w;
#pragma omp parallel for schedule(static) if (planes * in_plane > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    float* gin = grad_input + p * in_plane;
    std::fill(gin, gin + in_plane, 0.0f);
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const Window win = window(s, oh, ow);
        const float g = grad_output[(p * OH + oh) * OW + ow] / float(win.count);
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) gin[h * s.in_w + w] += g;
      }
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
