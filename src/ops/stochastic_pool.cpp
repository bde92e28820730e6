// stochastic_pool2d (Zeiler & Fergus 2013): sampled in training, the probability-weighted average
// otherwise. The draws come from the global generator, one per output in order, so a seed fixes
// the choices; the node keeps the chosen indices (training) or the input (eval).
#include <memory>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

Tensor stochastic_pool2d(const Tensor& input_, std::pair<int64_t, int64_t> kernel, std::pair<int64_t, int64_t> stride,
                         bool training) {
  const char* op = "stochastic_pool2d";
  ops_detail::check_float(input_, op);
  const Tensor input = input_.contiguous();
  ops_detail::check_dim(input, 4, op, "input (N x C x H x W)");
  if (stride.first == 0 && stride.second == 0) stride = kernel;
  FOVEA_CHECK(kernel.first >= 1 && kernel.second >= 1 && stride.first >= 1 && stride.second >= 1, ValueError, op,
              ": kernel size and stride must be positive, got kernel (", kernel.first, ", ", kernel.second,
              ") and stride (", stride.first, ", ", stride.second, ")");
  const kernels::Pool2dShape s{input.size(0), input.size(1), input.size(2), input.size(3), kernel.first,
                               kernel.second, stride.first,  stride.second, 0,             0};
  FOVEA_CHECK(s.in_h >= s.kernel_h && s.in_w >= s.kernel_w, ShapeError, op, ": kernel (", kernel.first, ", ",
              kernel.second, ") is larger than the input ", to_string(input.shape()));
  Tensor out = Tensor::empty({s.batch, s.channels, s.out_h(), s.out_w()});
  const int64_t n = out.numel();
  std::shared_ptr<std::vector<int32_t>> index;
  if (training) {
    std::vector<float> uniform(n);
    default_generator().fill_uniform(uniform.data(), n);
    index = std::make_shared<std::vector<int32_t>>(n);
    if (n > 0) kernels::cpu::stochastic_pool2d_forward(s, input.data(), uniform.data(), out.data(), index->data());
  } else if (n > 0) {
    kernels::cpu::stochastic_pool2d_forward(s, input.data(), nullptr, out.data(), nullptr);
  }
  if (needs_graph({&input})) {
    // Sampled: the gradient goes to the chosen elements only (the choice is a constant, as max
    // pooling's argmax). Averaged: the average's derivative reads the input.
    const Tensor saved = training ? Tensor() : input.detach();
    std::vector<Tensor> saved_list;
    if (saved.defined()) saved_list.push_back(saved);
    record(out, "StochasticPool2DBackward", {input},
           [s, index, saved, in_shape = input.shape()](const Tensor& g_) {
             const Tensor g = g_.contiguous();
             Tensor gx = Tensor::empty(in_shape);
             if (gx.numel() > 0)
               kernels::cpu::stochastic_pool2d_backward(s, saved.defined() ? saved.data() : nullptr, g.data(),
                                                        index ? index->data() : nullptr, gx.data());
             return std::vector<Tensor>{gx};
           },
           saved_list);
  }
  return out;
}

}  // namespace fovea
