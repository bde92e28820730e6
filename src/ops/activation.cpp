// Activations: relu (with the blocked-layout path the CNN runs on), leaky_relu, sigmoid, tanh,
// gelu, silu. Each saves what its gradient formula reads: the output where the derivative is a
// function of it (relu, sigmoid, tanh), the input otherwise.
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/elementwise_loop.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using kernels::BinaryOp;
using kernels::UnaryOp;
using ops_detail::check_float;

namespace {

// y = f(x) by the kernel op `forward`; the gradient is the kernel op `grad`(saved, g), with
// `saved` the output when `save_output`, else the input.
Tensor activation(const Tensor& x, const char* op, const char* node, UnaryOp forward, BinaryOp grad, bool save_output,
                  float p = 0.0f) {
  check_float(x, op);
  Tensor y = ops_detail::unary(x, forward, p);
  if (needs_graph({&x})) {
    const Tensor saved = save_output ? y.detach() : x.detach();
    record(y, node, {x},
           [saved, grad, p](const Tensor& g) {
             return std::vector<Tensor>{ops_detail::binary(saved, g, grad, "backward", p)};
           },
           {saved});
  }
  return y;
}

}  // namespace

Tensor ops_detail::relu_grad(const Tensor& y, const Tensor& g) {
  if (const BackendLayout* layout = blocked::layout_of(y); layout && !blocked::layout_of(g)) {
    // A row-major gradient (through Flatten, say) for a blocked output: brought once into the
    // output's layout and masked there, which is also the layout the op before reads it in.
    Tensor gx = blocked::empty(y.shape(), y.impl()->backend_layout);
    kernels::cpu::reorder_from_plain(*layout, g.contiguous().data(), blocked::raw_data(gx));
    kernels::cpu::relu_backward(blocked::storage_floats(y), blocked::raw_data(y), blocked::raw_data(gx),
                                blocked::raw_data(gx));
    return gx;
  }
  if (!kernels::cpu::same_layout(blocked::layout_of(g), blocked::layout_of(y)) || !g.is_contiguous()) {
    Tensor gc = g.contiguous();
    Tensor gx = Tensor::empty(y.shape());
    kernels::cpu::relu_backward(y.numel(), y.data(), gc.data(), gx.data());
    return gx;
  }
  // In place when the engine's handle is the only one on this gradient (the common case): one
  // buffer the size of the activation fewer.
  const bool sole_owner = g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1;
  Tensor gx = sole_owner ? g : blocked::empty(y.shape(), y.impl()->backend_layout);
  kernels::cpu::relu_backward(blocked::storage_floats(y), blocked::raw_data(y), blocked::raw_data(g),
                              blocked::raw_data(gx));
  return gx;
}

Tensor relu(const Tensor& input) {
  check_float(input, "relu");
  const Tensor x = input.contiguous();
  // Elementwise, so any layout will do: the output keeps the input's (padding stays zero).
  Tensor y = blocked::empty(x.shape(), x.impl()->backend_layout);
  kernels::cpu::relu_forward(blocked::storage_floats(x), blocked::raw_data(x), blocked::raw_data(y));
  if (needs_graph({&x})) {
    // Save the output, not the input: y > 0 exactly where x > 0, and y is needed anyway downstream.
    Tensor saved = y.detach();
    record(y, "ReluBackward", {x},
           [saved](const Tensor& g) { return std::vector<Tensor>{ops_detail::relu_grad(saved, g)}; }, {saved});
  }
  return y;
}

Tensor leaky_relu(const Tensor& x, float negative_slope) {
  return activation(x, "leaky_relu", "LeakyReluBackward", UnaryOp::LeakyRelu, BinaryOp::LeakyReluGrad, false,
                    negative_slope);
}

Tensor sigmoid(const Tensor& x) {
  return activation(x, "sigmoid", "SigmoidBackward", UnaryOp::Sigmoid, BinaryOp::SigmoidGrad, true);
}

Tensor tanh(const Tensor& x) { return activation(x, "tanh", "TanhBackward", UnaryOp::Tanh, BinaryOp::TanhGrad, true); }

Tensor gelu(const Tensor& x, const std::string& approximate) {
  FOVEA_CHECK(approximate == "none" || approximate == "tanh", ValueError, "gelu: approximate must be \"none\" or ",
              "\"tanh\", got \"", approximate, "\"");
  if (approximate == "tanh")
    return activation(x, "gelu", "GeluBackward", UnaryOp::GeluTanh, BinaryOp::GeluTanhGrad, false);
  return activation(x, "gelu", "GeluBackward", UnaryOp::Gelu, BinaryOp::GeluGrad, false);
}

Tensor silu(const Tensor& x) { return activation(x, "silu", "SiluBackward", UnaryOp::Silu, BinaryOp::SiluGrad, false); }

}  // namespace fovea
