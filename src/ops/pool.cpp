// max_pool2d and avg_pool2d, forward and backward side by side.
#include <memory>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"

namespace fovea {

namespace {

kernels::Pool2dShape pool_shape(const char* op, const Tensor& input, std::pair<int64_t, int64_t> kernel,
                                std::pair<int64_t, int64_t> stride, std::pair<int64_t, int64_t> padding) {
  ops_detail::check_dim(input, 4, op, "input (N x C x H x W)");
  if (stride.first == 0 && stride.second == 0) stride = kernel;  // PyTorch: stride defaults to kernel_size
  FOVEA_CHECK(kernel.first >= 1 && kernel.second >= 1 && stride.first >= 1 && stride.second >= 1, ValueError, op,
              ": kernel size and stride must be positive, got kernel (", kernel.first, ", ", kernel.second,
              ") and stride (", stride.first, ", ", stride.second, ")");
  // PyTorch's rule: padding at most half the kernel, so every window sees a real element.
  FOVEA_CHECK(padding.first >= 0 && padding.second >= 0 && 2 * padding.first <= kernel.first &&
                  2 * padding.second <= kernel.second,
              ValueError, op, ": padding must be between 0 and half the kernel size, got padding (", padding.first,
              ", ", padding.second, ") for kernel (", kernel.first, ", ", kernel.second, ")");
  kernels::Pool2dShape s{input.size(0), input.size(1), input.size(2), input.size(3), kernel.first,
                         kernel.second, stride.first,  stride.second, padding.first, padding.second};
  FOVEA_CHECK(s.in_h + 2 * s.pad_h >= s.kernel_h && s.in_w + 2 * s.pad_w >= s.kernel_w, ShapeError, op, ": kernel (",
              kernel.first, ", ", kernel.second, ") is larger than the padded input ", to_string(input.shape()));
  return s;
}

// Input in a backend layout (from a convolution): pool it there, through oneDNN.
Tensor max_pool2d_blocked(const Tensor& input, const kernels::Pool2dShape& s, const BackendLayout* layout) {
  auto info = kernels::cpu::max_pool2d_blocked_info(s, *layout);
  Tensor out = blocked::empty({s.batch, s.channels, s.out_h(), s.out_w()}, info.dst);
  auto workspace = std::make_shared<std::vector<uint8_t>>(info.workspace_bytes);
  kernels::cpu::max_pool2d_forward_blocked(s, *layout, blocked::raw_data(input), blocked::raw_data(out),
                                           workspace->data());
  if (needs_graph({&input})) {
    Shape in_shape = input.shape();
    // Keep the input's layout alive with the node: backward writes the gradient in it.
    std::shared_ptr<const BackendLayout> in_layout = input.impl()->backend_layout;
    record(out, "MaxPool2DBackward", {input}, [s, workspace, in_shape, in_layout](const Tensor& g) {
      Tensor gx = blocked::empty(in_shape, in_layout);
      kernels::cpu::max_pool2d_backward_blocked(s, *in_layout, blocked::raw_data(g), blocked::layout_of(g),
                                                workspace->data(), blocked::raw_data(gx));
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace

Tensor max_pool2d(const Tensor& input_, std::pair<int64_t, int64_t> kernel, std::pair<int64_t, int64_t> stride,
                  std::pair<int64_t, int64_t> padding) {
  ops_detail::check_float(input_, "max_pool2d");
  const Tensor input = input_.contiguous();
  auto s = pool_shape("max_pool2d", input, kernel, stride, padding);
  if (const BackendLayout* layout = blocked::layout_of(input)) return max_pool2d_blocked(input, s, layout);
  Tensor out = Tensor::empty({s.batch, s.channels, s.out_h(), s.out_w()});
  // The argmax is needed only for backward, but computing it costs no extra pass.
  auto argmax = std::make_shared<std::vector<int32_t>>(out.numel());
  kernels::cpu::max_pool2d_forward(s, input.data(), out.data(), argmax->data());
  if (needs_graph({&input})) {
    Shape in_shape = input.shape();
    record(out, "MaxPool2DBackward", {input}, [s, argmax, in_shape](const Tensor& g) {
      Tensor gx = Tensor::empty(in_shape);
      kernels::cpu::max_pool2d_backward(s, g.data(), argmax->data(), gx.data());
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor avg_pool2d(const Tensor& input_, std::pair<int64_t, int64_t> kernel, std::pair<int64_t, int64_t> stride,
                  std::pair<int64_t, int64_t> padding) {
  ops_detail::check_float(input_, "avg_pool2d");
  const Tensor input = input_.contiguous();
  auto s = pool_shape("avg_pool2d", input, kernel, stride, padding);
  Tensor out = Tensor::empty({s.batch, s.channels, s.out_h(), s.out_w()});
  kernels::cpu::avg_pool2d_forward(s, input.data(), out.data());
  if (needs_graph({&input})) {
    Shape in_shape = input.shape();
    record(out, "AvgPool2DBackward", {input}, [s, in_shape](const Tensor& g) {
      Tensor gx = Tensor::empty(in_shape);
      kernels::cpu::avg_pool2d_backward(s, g.data(), gx.data());
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace fovea
