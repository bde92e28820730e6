// linear: y = x W^T + b, forward and backward side by side.
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/precision.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

Tensor linear(const Tensor& input_, const Tensor& weight_, const Tensor& bias_) {
  ops_detail::check_float(input_, "linear");
  ops_detail::check_float(weight_, "linear");
  if (bias_.defined()) ops_detail::check_float(bias_, "linear");
  const Tensor input = input_.contiguous(), weight = weight_.contiguous();
  const Tensor bias = bias_.defined() ? bias_.contiguous() : bias_;
  ops_detail::check_dim(input, 2, "linear", "input (N x in_features)");
  ops_detail::check_dim(weight, 2, "linear", "weight (out_features x in_features)");
  FOVEA_CHECK(input.size(1) == weight.size(1), ShapeError, "linear: input of shape ", to_string(input.shape()),
              " cannot be multiplied with weight of shape ", to_string(weight.shape()), " (expected [N, ",
              weight.size(1), "])");
  FOVEA_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), ShapeError, "linear: bias of shape ",
              to_string(bias.shape()), " does not match weight of shape ", to_string(weight.shape()));
  kernels::LinearShape s{input.size(0), weight.size(1), weight.size(0)};
  Tensor out = Tensor::empty({s.rows, s.out_features});
  // bf16 under autocast (fovea/precision.hpp); the backward keeps the forward's precision.
  const Precision precision = effective_precision();
  kernels::cpu::linear_forward(s, input.data(), weight.data(), bias.defined() ? bias.data() : nullptr, out.data(),
                               precision);
  if (needs_graph({&input, &weight, &bias})) {
    Tensor x = input.detach(), w = weight.detach();
    bool need_input = input.requires_grad(), need_weight = weight.requires_grad(), has_bias = bias.defined();
    record(out, "AddmmBackward", {input, weight, bias}, [=](const Tensor& g) {
      Tensor gx = need_input ? Tensor::empty(x.shape()) : Tensor();
      Tensor gw = need_weight ? Tensor::empty(w.shape()) : Tensor();
      Tensor gb = has_bias ? Tensor::empty({s.out_features}) : Tensor();
      kernels::cpu::linear_backward(s, x.data(), w.data(), g.data(), need_input ? gx.data() : nullptr,
                                    need_weight ? gw.data() : nullptr, has_bias ? gb.data() : nullptr, precision);
      return std::vector<Tensor>{gx, gw, gb};
    });
  }
  return out;
}

}  // namespace fovea
