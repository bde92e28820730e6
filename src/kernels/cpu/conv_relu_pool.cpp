// Convolution + ReLU + 2x2 max pooling, fused: the operands prepared for the per-ISA loops
// (per_isa/conv_relu_pool.cpp, which says why the fusion pays), and the gradients put back in
// PyTorch's shapes.
//
// The loops see the input with its zero border already in place (no bounds checks in the inner
// loop; backward reads the same copy, so forward keeps it), and the weights packed as blocks of 16
// output channels, tap by tap, zero past the last channel.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/dispatch.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/layout_impl.hpp"

namespace fovea::kernels::cpu {

namespace {

constexpr int64_t kLanes = 16;

int64_t channel_blocks(const Conv2dShape& s) { return (s.out_channels + kLanes - 1) / kLanes; }
int64_t taps(const Conv2dShape& s) { return s.in_channels * s.kernel_h * s.kernel_w; }
int64_t pooled_elements(const Conv2dShape& s) {
  return s.batch * channel_blocks(s) * (s.out_h() / 2) * (s.out_w() / 2) * kLanes;
}

}  // namespace

bool conv_relu_pool_applies(const Conv2dShape& s) {
  return s.groups == 1 && s.stride_h == 1 && s.stride_w == 1 && s.dilation_h == 1 && s.dilation_w == 1 &&
         taps(s) <= kConvReluPoolMaxTaps && s.out_h() >= 2 && s.out_w() >= 2;
}

ConvReluPoolInfo conv_relu_pool_info(const Conv2dShape& s) {
  using dnnl::memory;
  const memory::dims dims{s.batch, s.out_channels, s.out_h() / 2, s.out_w() / 2};
  return {detail::intern_layout(memory::desc(dims, memory::data_type::f32, memory::format_tag::nChw16c),
                                memory::desc(dims, memory::data_type::f32, memory::format_tag::nchw)),
          s.batch * s.in_channels * (s.in_h + 2 * s.pad_h) * (s.in_w + 2 * s.pad_w), pooled_elements(s)};
}

void conv_relu_pool_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias,
                            float* padded_input, float* output, uint8_t* window) {
  if (s.batch == 0) return;
  const int64_t H = s.in_h, W = s.in_w, PH = H + 2 * s.pad_h, PW = W + 2 * s.pad_w;
  const int64_t planes = s.batch * s.in_channels;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    float* dst = padded_input + p * PH * PW;
    std::fill_n(dst, s.pad_h * PW, 0.0f);
    std::fill_n(dst + (s.pad_h + H) * PW, s.pad_h * PW, 0.0f);
    for (int64_t h = 0; h < H; ++h) {
      float* row = dst + (s.pad_h + h) * PW;
      std::fill_n(row, s.pad_w, 0.0f);
      std::copy_n(input + (p * H + h) * W, W, row + s.pad_w);
      std::fill_n(row + s.pad_w + W, s.pad_w, 0.0f);
    }
  }
  const int64_t blocks = channel_blocks(s), t = taps(s);
  std::vector<float> packed(static_cast<size_t>(blocks * t * kLanes), 0.0f), packed_bias(blocks * kLanes, 0.0f);
  for (int64_t o = 0; o < s.out_channels; ++o) {
    for (int64_t i = 0; i < t; ++i) packed[((o / kLanes) * t + i) * kLanes + o % kLanes] = weight[o * t + i];
    if (bias) packed_bias[o] = bias[o];
  }
  conv_relu_pool_16c_forward(s, padded_input, packed.data(), packed_bias.data(), output, window);
}

void conv_relu_pool_backward_weight(const Conv2dShape& s, const float* padded_input, const float* output,
                                    const uint8_t* window, const float* grad_output,
                                    const BackendLayout* grad_output_layout, float* grad_weight, float* grad_bias) {
  const int64_t blocks = channel_blocks(s), t = taps(s);
  // The gradient arrives in the layout the next layer's backward wrote (nChw8c under AVX2, say).
  const ConvReluPoolInfo info = conv_relu_pool_info(s);
  std::vector<float> converted;
  if (!same_layout(grad_output_layout, info.output.get())) {
    converted.resize(static_cast<size_t>(pooled_elements(s)));
    if (grad_output_layout)
      reorder_between(*grad_output_layout, grad_output, *info.output, converted.data());
    else
      reorder_from_plain(*info.output, grad_output, converted.data());
    grad_output = converted.data();
  }
  const int64_t threads = omp_get_max_threads(), per_thread = blocks * (t + 1) * kLanes;
  std::vector<float> partials(static_cast<size_t>(threads * per_thread));
  if (s.batch > 0)
    conv_relu_pool_16c_backward_weight(s, padded_input, output, window, grad_output, partials.data(), threads);
  else
    std::fill(partials.begin(), partials.end(), 0.0f);
  // Thread by thread, in order: reproducible for a given thread count.
  for (int64_t o = 0; o < s.out_channels; ++o) {
    const float* first = partials.data() + (o / kLanes) * (t + 1) * kLanes + o % kLanes;
    for (int64_t i = 0; i <= t; ++i) {
      float sum = 0.0f;
      for (int64_t r = 0; r < threads; ++r) sum += first[r * per_thread + i * kLanes];
      if (i < t)
        grad_weight[o * t + i] = sum;
      else if (grad_bias)
        grad_bias[o] = sum;
    }
  }
}

}  // namespace fovea::kernels::cpu
