// Naive pooling, following PyTorch's CPU kernels: max pooling never picks padding and keeps the
// first maximum in row-major window order (NaN wins, as in PyTorch); average pooling counts the
// padding (count_include_pad=True).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void max_pool2d_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  const int64_t OH = s.out_h(), OW = s.out_w(), planes = s.batch * s.channels;
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = input + p * s.in_h * s.in_w;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = std::max<int64_t>(oh * s.stride_h - s.pad_h, 0);
        const int64_t w0 = std::max<int64_t>(ow * s.stride_w - s.pad_w, 0);
        const int64_t h1 = std::min(oh * s.stride_h - s.pad_h + s.kernel_h, s.in_h);
        const int64_t w1 = std::min(ow * s.stride_w - s.pad_w + s.kernel_w, s.in_w);
        // Starting from the first real element means an all -inf window still points inside it.
        int64_t best = h0 * s.in_w + w0;
        float best_val = -std::numeric_limits<float>::infinity();
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float v = in[h * s.in_w + w];
            if (v > best_val || std::isnan(v)) {
              best_val = v;
              best = h * s.in_w + w;
            }
          }
        output[(p * OH + oh) * OW + ow] = best_val;
        argmax[(p * OH + oh) * OW + ow] = int32_t(best);
      }
  }
}

void max_pool2d_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                         float* grad_input) {
  const int64_t out_plane = s.out_h() * s.out_w(), in_plane = s.in_h * s.in_w;
  const int64_t planes = s.batch * s.channels;
  std::fill(grad_input, grad_input + planes * in_plane, 0.0f);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t o = 0; o < out_plane; ++o)
      grad_input[p * in_plane + argmax[p * out_plane + o]] += grad_output[p * out_plane + o];
}

namespace {

// PyTorch's divisor with count_include_pad=True: the window clipped to the padded input, which
// is the full kernel area unless a window hangs past the right/bottom padding.
struct Window {
  int64_t h0, h1, w0, w1, count;
};

Window window(const Pool2dShape& s, int64_t oh, int64_t ow) {
  int64_t h0 = oh * s.stride_h - s.pad_h, w0 = ow * s.stride_w - s.pad_w;
  int64_t h1 = std::min(h0 + s.kernel_h, s.in_h + s.pad_h), w1 = std::min(w0 + s.kernel_w, s.in_w + s.pad_w);
  const int64_t count = (h1 - h0) * (w1 - w0);
  return {std::max<int64_t>(h0, 0), std::min(h1, s.in_h), std::max<int64_t>(w0, 0), std::min(w1, s.in_w), count};
}

}  // namespace

void avg_pool2d_forward(const Pool2dShape& s, const float* input, float* output) {
  const int64_t OH = s.out_h(), OW = s.out_w(), planes = s.batch * s.channels;
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = input + p * s.in_h * s.in_w;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const Window win = window(s, oh, ow);
        double sum = 0.0;
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) sum += in[h * s.in_w + w];
        output[(p * OH + oh) * OW + ow] = float(sum / double(win.count));
      }
  }
}

void avg_pool2d_backward(const Pool2dShape& s, const float* grad_output, float* grad_input) {
  const int64_t OH = s.out_h(), OW = s.out_w(), planes = s.batch * s.channels;
  std::fill(grad_input, grad_input + planes * s.in_h * s.in_w, 0.0f);
  for (int64_t p = 0; p < planes; ++p) {
    float* gin = grad_input + p * s.in_h * s.in_w;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const Window win = window(s, oh, ow);
        const float g = grad_output[(p * OH + oh) * OW + ow] / float(win.count);
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) gin[h * s.in_w + w] += g;
      }
  }
}

}  // namespace fovea::kernels::reference
