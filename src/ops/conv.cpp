// conv2d: forward through oneDNN, backward to input, weight and bias side by side.
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/precision.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"

namespace fovea {

Tensor ops_detail::convolution(const Tensor& input_, const Tensor& weight_, const Tensor& bias_,
                               std::pair<int64_t, int64_t> stride, std::pair<int64_t, int64_t> padding,
                               std::pair<int64_t, int64_t> dilation, int64_t groups, ConvRelu relu) {
  const bool fuse_relu = relu != ConvRelu::none;
  ops_detail::check_float(input_, "conv2d");
  ops_detail::check_float(weight_, "conv2d");
  if (bias_.defined()) ops_detail::check_float(bias_, "conv2d");
  const Tensor input = input_.contiguous(), weight = weight_.contiguous();
  const Tensor bias = bias_.defined() ? bias_.contiguous() : bias_;
  ops_detail::check_dim(input, 4, "conv2d", "input (N x C x H x W)");
  ops_detail::check_dim(weight, 4, "conv2d", "weight (out x in x kH x kW)");
  FOVEA_CHECK(groups >= 1 && dilation.first >= 1 && dilation.second >= 1, ValueError,
              "conv2d: groups and dilation must be positive, got groups ", groups, " and dilation (", dilation.first,
              ", ", dilation.second, ")");
  FOVEA_CHECK(weight.size(0) % groups == 0, ValueError, "conv2d: out_channels (", weight.size(0),
              ") must be divisible by groups (", groups, ")");
  FOVEA_CHECK(input.size(1) == weight.size(1) * groups, ShapeError, "conv2d: expected input of shape [N, ",
              weight.size(1) * groups, ", H, W] for weight of shape ", to_string(weight.shape()),
              groups > 1 ? " and groups " + std::to_string(groups) : std::string(), ", got ", to_string(input.shape()));
  FOVEA_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), ShapeError, "conv2d: bias of shape ",
              to_string(bias.shape()), " does not match weight of shape ", to_string(weight.shape()));
  FOVEA_CHECK(stride.first >= 1 && stride.second >= 1 && padding.first >= 0 && padding.second >= 0, ValueError,
              "conv2d: stride must be positive and padding non-negative, got stride (", stride.first, ", ",
              stride.second, ") and padding (", padding.first, ", ", padding.second, ")");
  kernels::Conv2dShape s = ops_detail::conv_shape(input, weight, stride, padding, dilation, groups);
  FOVEA_CHECK(s.in_h + 2 * s.pad_h >= s.span_h() && s.in_w + 2 * s.pad_w >= s.span_w(), ShapeError, "conv2d: kernel ",
              to_string(weight.shape()),
              dilation != std::pair<int64_t, int64_t>{1, 1} ? " (dilated to " + std::to_string(s.span_h()) + "x" +
                                                                  std::to_string(s.span_w()) + ")"
                                                            : std::string(),
              " is larger than the padded input ", to_string(input.shape()));
  // The output stays in the layout oneDNN computes it in (blocked, for these shapes); the next
  // convolution, ReLU or max pooling reads it as it is, and anything else converts it on access.
  const bool has_bias = bias.defined();
  // bf16 under autocast (fovea/precision.hpp); the backward keeps the forward's precision.
  const Precision precision = effective_precision();
  Tensor out = blocked::empty({s.batch, s.out_channels, s.out_h(), s.out_w()},
                              kernels::cpu::conv2d_output_layout(s, has_bias, precision));
  kernels::cpu::conv2d_forward(s, blocked::raw_data(input), weight.data(), has_bias ? bias.data() : nullptr,
                               blocked::raw_data(out), blocked::layout_of(input), blocked::layout_of(out), fuse_relu,
                               precision);
  if (needs_graph({&input, &weight, &bias})) {
    Tensor x = input.detach(), w = weight.detach();
    // The ReLU's gradient is applied here, unless the caller applies it to a later, smaller gradient.
    Tensor y = relu == ConvRelu::forward_and_backward ? out.detach() : Tensor();
    bool need_input = input.requires_grad();
    const char* name = fuse_relu ? "ConvolutionReluBackward" : "ConvolutionBackward";
    record(out, name, {input, weight, bias}, [s, x, w, y, need_input, has_bias, precision](const Tensor& g_out) {
      // Through the fused ReLU first: the gradient passes where the output is positive.
      Tensor g = y.defined() ? ops_detail::relu_grad(y, g_out) : g_out;
      Tensor gx, gw = Tensor::empty(w.shape()), gb;
      if (need_input) {
        gx = blocked::empty(x.shape(), kernels::cpu::conv2d_input_grad_layout(s, precision));
        kernels::cpu::conv2d_backward_input(s, blocked::raw_data(g), w.data(), blocked::raw_data(gx),
                                            blocked::layout_of(g), blocked::layout_of(gx), precision);
      }
      if (has_bias) gb = Tensor::empty({s.out_channels});
      kernels::cpu::conv2d_backward_weight(s, blocked::raw_data(x), blocked::raw_data(g), gw.data(),
                                           has_bias ? gb.data() : nullptr, blocked::layout_of(x),
                                           blocked::layout_of(g), precision);
      return std::vector<Tensor>{gx, gw, gb};
    });
  }
  return out;
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::pair<int64_t, int64_t> stride,
              std::pair<int64_t, int64_t> padding, std::pair<int64_t, int64_t> dilation, int64_t groups) {
  return ops_detail::convolution(input, weight, bias, stride, padding, dilation, groups, ops_detail::ConvRelu::none);
}

Tensor conv2d_relu(const Tensor& input, const Tensor& weight, const Tensor& bias, std::pair<int64_t, int64_t> stride,
                   std::pair<int64_t, int64_t> padding, std::pair<int64_t, int64_t> dilation, int64_t groups) {
  return ops_detail::convolution(input, weight, bias, stride, padding, dilation, groups,
                                 ops_detail::ConvRelu::forward_and_backward);
}

}  // namespace fovea
