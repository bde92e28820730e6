// Adaptive average and max pooling over row-major planes, threads splitting the planes. A 1 x 1
// output (global pooling, the head of most CNNs) is one pass over each contiguous plane.
#include <cmath>
#include <cstring>

#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/strided_loop.hpp"

namespace fovea::kernels::cpu {

namespace {

// PyTorch's window of output index i: [floor(i * in / out), ceil((i + 1) * in / out)).
inline int64_t window_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t window_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

template <typename F>
void for_planes(const AdaptivePool2dShape& s, F f) {
  parallel_for(s.planes, s.in_h * s.in_w, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) f(p);
  });
}

bool global(const AdaptivePool2dShape& s) { return s.out_h == 1 && s.out_w == 1; }

}  // namespace

void adaptive_avg_pool2d_forward(const AdaptivePool2dShape& s, const float* input, float* output) {
  const int64_t plane = s.in_h * s.in_w;
  if (global(s)) {
    for_planes(s, [&](int64_t p) {
      const float* in = input + p * plane;
      float sum = 0.0f;
      for (int64_t i = 0; i < plane; ++i) sum += in[i];  // one stream, vectorised by the compiler
      output[p] = sum / float(plane);
    });
    return;
  }
  for_planes(s, [&](int64_t p) {
    const float* in = input + p * plane;
    float* out = output + p * s.out_h * s.out_w;
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      const int64_t h0 = window_start(oh, s.in_h, s.out_h), h1 = window_end(oh, s.in_h, s.out_h);
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const int64_t w0 = window_start(ow, s.in_w, s.out_w), w1 = window_end(ow, s.in_w, s.out_w);
        float sum = 0.0f;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) sum += in[h * s.in_w + w];
        out[oh * s.out_w + ow] = sum / float((h1 - h0) * (w1 - w0));
      }
    }
  });
}

void adaptive_avg_pool2d_backward(const AdaptivePool2dShape& s, const float* grad_output, float* grad_input) {
  const int64_t plane = s.in_h * s.in_w;
  if (global(s)) {
    for_planes(s, [&](int64_t p) {
      const float g = grad_output[p] / float(plane);
      float* gi = grad_input + p * plane;
      for (int64_t i = 0; i < plane; ++i) gi[i] = g;
    });
    return;
  }
  for_planes(s, [&](int64_t p) {
    float* gi = grad_input + p * plane;
    const float* go = grad_output + p * s.out_h * s.out_w;
    std::memset(gi, 0, sizeof(float) * plane);  // windows overlap when in is not a multiple of out
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      const int64_t h0 = window_start(oh, s.in_h, s.out_h), h1 = window_end(oh, s.in_h, s.out_h);
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const int64_t w0 = window_start(ow, s.in_w, s.out_w), w1 = window_end(ow, s.in_w, s.out_w);
        const float g = go[oh * s.out_w + ow] / float((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) gi[h * s.in_w + w] += g;
      }
    }
  });
}

void adaptive_max_pool2d_forward(const AdaptivePool2dShape& s, const float* input, float* output, int64_t* argmax) {
  const int64_t plane = s.in_h * s.in_w;
  for_planes(s, [&](int64_t p) {
    const float* in = input + p * plane;
    float* out = output + p * s.out_h * s.out_w;
    int64_t* arg = argmax + p * s.out_h * s.out_w;
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      const int64_t h0 = window_start(oh, s.in_h, s.out_h), h1 = window_end(oh, s.in_h, s.out_h);
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const int64_t w0 = window_start(ow, s.in_w, s.out_w), w1 = window_end(ow, s.in_w, s.out_w);
        int64_t best = h0 * s.in_w + w0;
        float best_value = in[best];
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float v = in[h * s.in_w + w];
            // PyTorch's test: a NaN replaces the maximum (so the last NaN wins), ties keep the first.
            if (v > best_value || std::isnan(v)) {
              best_value = v;
              best = h * s.in_w + w;
            }
          }
        out[oh * s.out_w + ow] = best_value;
        arg[oh * s.out_w + ow] = best;
      }
    }
  });
}

void adaptive_max_pool2d_backward(const AdaptivePool2dShape& s, const float* grad_output, const int64_t* argmax,
                                  float* grad_input) {
  const int64_t plane = s.in_h * s.in_w, outs = s.out_h * s.out_w;
  for_planes(s, [&](int64_t p) {
    float* gi = grad_input + p * plane;
    std::memset(gi, 0, sizeof(float) * plane);
    for (int64_t o = 0; o < outs; ++o) gi[argmax[p * outs + o]] += grad_output[p * outs + o];
  });
}

}  // namespace fovea::kernels::cpu
