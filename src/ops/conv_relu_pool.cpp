// conv2d_relu_max_pool2d: a network's first layer in one kernel, forward and backward side by side;
// any other convolution, ReLU and max pooling in a row runs as the three ops.
#include <memory>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"

namespace fovea {

using Pair = std::pair<int64_t, int64_t>;

// Decided before anything is validated: every condition here also makes the problem valid, so an
// invalid one always reaches the separate ops and their error messages.
bool conv2d_relu_max_pool2d_fuses(const Tensor& input, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding,
                        Pair dilation, int64_t groups, Pair pool_kernel, Pair pool_stride, Pair pool_padding) {
  if (pool_stride == Pair{0, 0}) pool_stride = pool_kernel;
  if (input.dtype() != kFloat32 || weight.dtype() != kFloat32 || input.dim() != 4 || weight.dim() != 4 ||
      blocked::layout_of(input) || needs_graph({&input}))
    return false;
  if (bias.defined() && (bias.dtype() != kFloat32 || bias.dim() != 1 || bias.size(0) != weight.size(0)))
    return false;
  if (pool_kernel != Pair{2, 2} || pool_stride != Pair{2, 2} || pool_padding != Pair{0, 0} || groups != 1 ||
      input.size(1) != weight.size(1) || padding.first < 0 || padding.second < 0)
    return false;
  const kernels::Conv2dShape s = ops_detail::conv_shape(input, weight, stride, padding, dilation, groups);
  return s.out_channels > 0 && s.kernel_h > 0 && s.kernel_w > 0 && s.in_h + 2 * s.pad_h >= s.kernel_h &&
         s.in_w + 2 * s.pad_w >= s.kernel_w && kernels::cpu::conv_relu_pool_applies(s);
}

namespace {

// The three ops, with one pass over memory saved in backward: the ReLU's gradient is the pooled
// gradient where the pooled output is positive. (Pooling sends each gradient to the element that
// was its window's maximum, and that element's ReLU output is the pooled value; padding, never a
// maximum, receives none.) So the mask is applied to the pooled gradient, 4x smaller for 2x2
// pooling, and the convolution's backward skips it.
Tensor relu_then_pool(const Tensor& input, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding,
                      Pair dilation, int64_t groups, Pair pool_kernel, Pair pool_stride, Pair pool_padding) {
  Tensor h = ops_detail::convolution(input, weight, bias, stride, padding, dilation, groups,
                                     ops_detail::ConvRelu::forward_only);
  Tensor pooled = max_pool2d(h, pool_kernel, pool_stride, pool_padding);
  if (!pooled.grad_fn()) return pooled;
  Tensor y = pooled.detach();
  Tensor out = pooled.detach();  // the same values, under the node that applies the ReLU's gradient
  record(out, "ReluBackward", {pooled},
         [y](const Tensor& g) { return std::vector<Tensor>{ops_detail::relu_grad(y, g)}; });
  return out;
}

}  // namespace

Tensor conv2d_relu_max_pool2d(const Tensor& input_, const Tensor& weight_, const Tensor& bias_, Pair stride,
                              Pair padding, Pair dilation, int64_t groups, Pair pool_kernel, Pair pool_stride,
                              Pair pool_padding) {
  if (!conv2d_relu_max_pool2d_fuses(input_, weight_, bias_, stride, padding, dilation, groups, pool_kernel,
                                    pool_stride, pool_padding))
    return relu_then_pool(input_, weight_, bias_, stride, padding, dilation, groups, pool_kernel, pool_stride,
                          pool_padding);
  const Tensor input = input_.contiguous(), weight = weight_.contiguous();
  const Tensor bias = bias_.defined() ? bias_.contiguous() : bias_;
  const kernels::Conv2dShape s = ops_detail::conv_shape(input, weight, stride, padding, dilation, groups);
  const auto info = kernels::cpu::conv_relu_pool_info(s);
  Tensor out = blocked::empty({s.batch, s.out_channels, s.out_h() / 2, s.out_w() / 2}, info.output);
  // What backward reads: the input with its zero border, and which window position won.
  auto padded = std::make_shared<std::vector<float>>(static_cast<size_t>(info.padded_input_floats));
  auto window = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(info.window_bytes));
  kernels::cpu::conv_relu_pool_forward(s, input.data(), weight.data(), bias.defined() ? bias.data() : nullptr,
                                       padded->data(), blocked::raw_data(out), window->data());
  if (needs_graph({&weight, &bias})) {
    Tensor y = out.detach();
    const bool has_bias = bias.defined();
    record(out, "ConvolutionReluMaxPoolBackward", {input, weight, bias},
           [s, y, padded, window, has_bias](const Tensor& g) {
             Tensor gw = Tensor::empty({s.out_channels, s.in_channels, s.kernel_h, s.kernel_w}), gb;
             if (has_bias) gb = Tensor::empty({s.out_channels});
             const Tensor gc = blocked::layout_of(g) ? g : g.contiguous();
             kernels::cpu::conv_relu_pool_backward_weight(s, padded->data(), blocked::raw_data(y), window->data(),
                                                          blocked::raw_data(gc), blocked::layout_of(gc), gw.data(),
                                                          has_bias ? gb.data() : nullptr);
             return std::vector<Tensor>{Tensor(), gw, gb};
           });
  }
  return out;
}

}  // namespace fovea
