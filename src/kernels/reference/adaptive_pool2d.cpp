// Naive adaptive pooling: every output cell's window from PyTorch's formula in floating point
// (floor and ceil of i * in / out), one element at a time, for kernels_test to check the fast path.
#include <cmath>

#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

namespace {
int64_t start(int64_t i, int64_t in, int64_t out) { return int64_t(std::floor(double(i) * in / out)); }
int64_t end(int64_t i, int64_t in, int64_t out) { return int64_t(std::ceil(double(i + 1) * in / out)); }
}  // namespace

void adaptive_avg_pool2d_forward(const AdaptivePool2dShape& s, const float* input, float* output) {
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        double sum = 0.0;
        int64_t count = 0;
        for (int64_t h = start(oh, s.in_h, s.out_h); h < end(oh, s.in_h, s.out_h); ++h)
          for (int64_t w = start(ow, s.in_w, s.out_w); w < end(ow, s.in_w, s.out_w); ++w, ++count)
            sum += input[(p * s.in_h + h) * s.in_w + w];
        output[(p * s.out_h + oh) * s.out_w + ow] = float(sum / double(count));
      }
}

void adaptive_avg_pool2d_backward(const AdaptivePool2dShape& s, const float* grad_output, float* grad_input) {
  for (int64_t i = 0; i < s.planes * s.in_h * s.in_w; ++i) grad_input[i] = 0.0f;
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const int64_t h0 = start(oh, s.in_h, s.out_h), h1 = end(oh, s.in_h, s.out_h);
        const int64_t w0 = start(ow, s.in_w, s.out_w), w1 = end(ow, s.in_w, s.out_w);
        const float g = grad_output[(p * s.out_h + oh) * s.out_w + ow] / float((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) grad_input[(p * s.in_h + h) * s.in_w + w] += g;
      }
}

void adaptive_max_pool2d_forward(const AdaptivePool2dShape& s, const float* input, float* output, int64_t* argmax) {
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        int64_t best = -1;
        float best_value = 0.0f;
        for (int64_t h = start(oh, s.in_h, s.out_h); h < end(oh, s.in_h, s.out_h); ++h)
          for (int64_t w = start(ow, s.in_w, s.out_w); w < end(ow, s.in_w, s.out_w); ++w) {
            const float v = input[(p * s.in_h + h) * s.in_w + w];
            if (best < 0 || v > best_value || std::isnan(v)) {
              best_value = v;
              best = h * s.in_w + w;
            }
          }
        output[(p * s.out_h + oh) * s.out_w + ow] = best_value;
        argmax[(p * s.out_h + oh) * s.out_w + ow] = best;
      }
}

void adaptive_max_pool2d_backward(const AdaptivePool2dShape& s, const float* grad_output, const int64_t* argmax,
                                  float* grad_input) {
  for (int64_t i = 0; i < s.planes * s.in_h * s.in_w; ++i) grad_input[i] = 0.0f;
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t o = 0; o < s.out_h * s.out_w; ++o)
      grad_input[p * s.in_h * s.in_w + argmax[p * s.out_h * s.out_w + o]] += grad_output[p * s.out_h * s.out_w + o];
}

}  // namespace fovea::kernels::reference
