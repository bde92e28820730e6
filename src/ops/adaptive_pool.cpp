// adaptive_avg_pool2d and adaptive_max_pool2d: [N, C, H, W] or [C, H, W] inputs to a fixed output
// size, each (n, c) plane pooled on its own (see kernels::AdaptivePool2dShape for the windows).
#include <memory>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

namespace {

// The kernel's shape, and the output's ([..., oh, ow] with the input's leading dimensions).
std::pair<kernels::AdaptivePool2dShape, Shape> adaptive_shape(const Tensor& input, std::pair<int64_t, int64_t> size,
                                                              const char* op) {
  ops_detail::check_float(input, op);
  FOVEA_CHECK(input.dim() == 3 || input.dim() == 4, ShapeError, op,
              ": expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got shape ", to_string(input.shape()));
  FOVEA_CHECK(size.first > 0 && size.second > 0, ValueError, op, ": output_size must be positive, got (", size.first,
              ", ", size.second, ")");
  const int64_t h = input.size(-2), w = input.size(-1);
  FOVEA_CHECK(h > 0 && w > 0, ShapeError, op, ": expected non-empty spatial dimensions, got shape ",
              to_string(input.shape()));
  Shape out = input.shape();
  out[out.size() - 2] = size.first;
  out[out.size() - 1] = size.second;
  return {{input.numel() / (h * w), h, w, size.first, size.second}, out};
}

}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& input_, std::pair<int64_t, int64_t> output_size) {
  ops_detail::check_float(input_, "adaptive_avg_pool2d");
  const Tensor input = input_.contiguous();
  const auto [s, out_shape] = adaptive_shape(input, output_size, "adaptive_avg_pool2d");
  Tensor out = Tensor::empty(out_shape);
  if (s.planes > 0) kernels::cpu::adaptive_avg_pool2d_forward(s, input.data(), out.data());
  if (needs_graph({&input})) {
    record(out, "AdaptiveAvgPool2DBackward", {input}, [s = s, in_shape = input.shape()](const Tensor& g_) {
      const Tensor g = g_.contiguous();
      Tensor gx = Tensor::empty(in_shape);
      if (s.planes > 0) kernels::cpu::adaptive_avg_pool2d_backward(s, g.data(), gx.data());
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor adaptive_max_pool2d(const Tensor& input_, std::pair<int64_t, int64_t> output_size) {
  ops_detail::check_float(input_, "adaptive_max_pool2d");
  const Tensor input = input_.contiguous();
  const auto [s, out_shape] = adaptive_shape(input, output_size, "adaptive_max_pool2d");
  Tensor out = Tensor::empty(out_shape);
  // The argmax is the backward's only need, and the forward finds it anyway.
  auto argmax = std::make_shared<std::vector<int64_t>>(out.numel());
  if (s.planes > 0) kernels::cpu::adaptive_max_pool2d_forward(s, input.data(), out.data(), argmax->data());
  if (needs_graph({&input})) {
    record(out, "AdaptiveMaxPool2DBackward", {input}, [s = s, argmax, in_shape = input.shape()](const Tensor& g_) {
      const Tensor g = g_.contiguous();
      Tensor gx = Tensor::empty(in_shape);
      if (s.planes > 0) kernels::cpu::adaptive_max_pool2d_backward(s, g.data(), argmax->data(), gx.data());
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace fovea
