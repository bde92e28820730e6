// Naive convolution: direct loops over every output, accumulated in double so the oracle is
// more accurate than the kernels it checks.
#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

namespace {

// Index helpers keep the loops readable: (n, c, h, w) in NCHW and (o, j, kh, kw) in OIHW, j the
// input channel within output o's group (groups and dilation as in kernels/shapes.hpp).
int64_t at4(int64_t a, int64_t b, int64_t c, int64_t d, int64_t B, int64_t C, int64_t D) {
  return ((a * B + b) * C + c) * D + d;
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias,
                    float* output) {
  const int64_t OH = s.out_h(), OW = s.out_w();
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t o = 0; o < s.out_channels; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = bias ? bias[o] : 0.0;
          const int64_t first = (o / s.out_per_group()) * s.in_per_group();  // o's group's first input
          for (int64_t j = 0; j < s.in_per_group(); ++j)
            for (int64_t kh = 0; kh < s.kernel_h; ++kh)
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t ih = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
                const int64_t iw = ow * s.stride_w - s.pad_w + kw * s.dilation_w;
                if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;  // zero padding
                acc += double(input[at4(n, first + j, ih, iw, s.in_channels, s.in_h, s.in_w)]) *
                       weight[at4(o, j, kh, kw, s.in_per_group(), s.kernel_h, s.kernel_w)];
              }
          output[at4(n, o, oh, ow, s.out_channels, OH, OW)] = float(acc);
        }
}

// Written as a gather (for each input element, sum the outputs it contributed to) rather than a
// scatter, so each result is one accumulation in double.
void conv2d_backward_input(const Conv2dShape& s, const float* grad_output, const float* weight,
                           float* grad_input) {
  const int64_t OH = s.out_h(), OW = s.out_w();
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t i = 0; i < s.in_channels; ++i)
      for (int64_t ih = 0; ih < s.in_h; ++ih)
        for (int64_t iw = 0; iw < s.in_w; ++iw) {
          double acc = 0.0;
          const int64_t group = i / s.in_per_group(), j = i % s.in_per_group();
          for (int64_t o = group * s.out_per_group(); o < (group + 1) * s.out_per_group(); ++o)
            for (int64_t kh = 0; kh < s.kernel_h; ++kh)
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t th = ih + s.pad_h - kh * s.dilation_h, tw = iw + s.pad_w - kw * s.dilation_w;
                if (th < 0 || tw < 0 || th % s.stride_h != 0 || tw % s.stride_w != 0) continue;
                const int64_t oh = th / s.stride_h, ow = tw / s.stride_w;
                if (oh >= OH || ow >= OW) continue;
                acc += double(grad_output[at4(n, o, oh, ow, s.out_channels, OH, OW)]) *
                       weight[at4(o, j, kh, kw, s.in_per_group(), s.kernel_h, s.kernel_w)];
              }
          grad_input[at4(n, i, ih, iw, s.in_channels, s.in_h, s.in_w)] = float(acc);
        }
}

void conv2d_backward_weight(const Conv2dShape& s, const float* input, const float* grad_output,
                            float* grad_weight, float* grad_bias) {
  const int64_t OH = s.out_h(), OW = s.out_w();
  for (int64_t o = 0; o < s.out_channels; ++o)
    for (int64_t j = 0; j < s.in_per_group(); ++j)
      for (int64_t kh = 0; kh < s.kernel_h; ++kh)
        for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
          const int64_t i = (o / s.out_per_group()) * s.in_per_group() + j;
          double acc = 0.0;
          for (int64_t n = 0; n < s.batch; ++n)
            for (int64_t oh = 0; oh < OH; ++oh)
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t ih = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
                const int64_t iw = ow * s.stride_w - s.pad_w + kw * s.dilation_w;
                if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
                acc += double(input[at4(n, i, ih, iw, s.in_channels, s.in_h, s.in_w)]) *
                       grad_output[at4(n, o, oh, ow, s.out_channels, OH, OW)];
              }
          grad_weight[at4(o, j, kh, kw, s.in_per_group(), s.kernel_h, s.kernel_w)] = float(acc);
        }
  if (!grad_bias) return;
  for (int64_t o = 0; o < s.out_channels; ++o) {
    double acc = 0.0;
    for (int64_t n = 0; n < s.batch; ++n)
      for (int64_t p = 0; p < OH * OW; ++p) acc += grad_output[(n * s.out_channels + o) * OH * OW + p];
    grad_bias[o] = float(acc);
  }
}

}  // namespace fovea::kernels::reference
