// batch_norm: one kernel pass for the statistics, one for the output, and one fused backward
// kernel (both parameter gradients and the input gradient per channel), as PyTorch's native
// batch norm. The node saves the input, and the per-channel mean and 1/sqrt(var + eps) it used.
#include <cmath>
#include <memory>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

namespace {

// A per-channel argument (weight, bias, running stats): undefined, or float32 with C elements.
void check_channel_arg(const Tensor& t, int64_t channels, const Tensor& input, const char* what) {
  if (!t.defined()) return;
  ops_detail::check_float(t, "batch_norm");
  FOVEA_CHECK(t.dim() == 1 && t.numel() == channels, ShapeError, "batch_norm: ", what, " should have ", channels,
              " elements (the input's channels, dimension 1 of shape ", to_string(input.shape()), "), got shape ",
              to_string(t.shape()));
}

// The channel block (16, 8) when `t` is an N x C x H x W activation in a blocked layout the
// batch norm kernels read as it is (a convolution's output), else 0.
int64_t channel_block(const Tensor& t) {
  const BackendLayout* layout = blocked::layout_of(t);
  return layout && t.dim() == 4 ? kernels::cpu::batch_norm_channel_block(*layout) : 0;
}

}  // namespace

Tensor batch_norm(const Tensor& input_, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, float momentum, float eps) {
  ops_detail::check_float(input_, "batch_norm");
  FOVEA_CHECK(input_.dim() >= 2, ShapeError, "batch_norm: expected an input of shape [N, C, *], got shape ",
              to_string(input_.shape()));
  // A convolution's output is normalised in its blocked layout, and the output keeps it, so that
  // conv -> batch norm -> relu -> pool runs without a reorder; anything else runs on NCHW.
  const int64_t block = channel_block(input_);
  const Tensor input = block ? input_ : input_.contiguous();
  const int64_t channels = input.size(1);
  check_channel_arg(running_mean, channels, input, "running_mean");
  check_channel_arg(running_var, channels, input, "running_var");
  check_channel_arg(weight, channels, input, "weight");
  check_channel_arg(bias, channels, input, "bias");
  FOVEA_CHECK(running_mean.defined() == running_var.defined(), ValueError,
              "batch_norm: running_mean and running_var must both be given or both be undefined");
  FOVEA_CHECK(training || running_mean.defined(), ValueError,
              "batch_norm: running_mean and running_var are required when not training");
  int64_t spatial = 1;  // the product of the dimensions after C (not numel / (N * C): N may be 0)
  for (int64_t d = 2; d < input.dim(); ++d) spatial *= input.size(d);
  const kernels::BatchNormShape s{input.size(0), channels, spatial};
  // PyTorch's rule: exactly one value is refused; an empty batch gives an empty result and leaves
  // the running statistics alone.
  FOVEA_CHECK(!training || s.per_channel() != 1, ValueError,
              "batch_norm: Expected more than 1 value per channel when training, got input size ",
              to_string(input.shape()));

  Tensor mean = Tensor::empty({channels}), invstd = Tensor::empty({channels});
  if (training) {
    Tensor var = Tensor::empty({channels});
    if (block)
      kernels::cpu::batch_norm_stats_blocked(s, block, blocked::raw_data(input), mean.data(), var.data());
    else
      kernels::cpu::batch_norm_stats(s, input.data(), mean.data(), var.data());
    if (running_mean.defined() && s.per_channel() > 0) {
      // Computed on contiguous copies and written back with copy_ (which bumps the version
      // counters), so that running stats of any strides work and no graph is recorded.
      Tensor rm = running_mean.detach().contiguous().clone(), rv = running_var.detach().contiguous().clone();
      kernels::cpu::batch_norm_update_running(channels, mean.data(), var.data(), s.per_channel(), momentum, rm.data(),
                                              rv.data());
      NoGradGuard no_grad;
      Tensor(running_mean).copy_(rm);
      Tensor(running_var).copy_(rv);
    }
    for (int64_t c = 0; c < channels; ++c) invstd.data()[c] = 1.0f / std::sqrt(var.data()[c] + eps);
  } else {
    const Tensor rm = running_mean.contiguous(), rv = running_var.contiguous();
    for (int64_t c = 0; c < channels; ++c) {
      mean.data()[c] = rm.data()[c];
      invstd.data()[c] = 1.0f / std::sqrt(rv.data()[c] + eps);
    }
  }

  const Tensor w = weight.defined() ? weight.contiguous() : Tensor(), b = bias.defined() ? bias.contiguous() : Tensor();
  const float* w_data = w.defined() ? w.data() : nullptr;
  const float* b_data = b.defined() ? b.data() : nullptr;
  Tensor out;
  if (block) {
    out = blocked::empty(input.shape(), input.impl()->backend_layout);
    kernels::cpu::batch_norm_forward_blocked(s, block, blocked::raw_data(input), mean.data(), invstd.data(), w_data,
                                             b_data, blocked::raw_data(out));
  } else {
    out = Tensor::empty(input.shape());
    kernels::cpu::batch_norm_forward(s, input.data(), mean.data(), invstd.data(), w_data, b_data, out.data());
  }
  if (needs_graph({&input, &weight, &bias})) {
    const Tensor saved_x = input.detach(), saved_w = w.defined() ? w.detach() : Tensor();
    const bool need_x = input.requires_grad(), need_w = weight.defined() && weight.requires_grad(),
               need_b = bias.defined() && bias.requires_grad();
    std::vector<Tensor> saved{saved_x};
    if (saved_w.defined()) saved.push_back(saved_w);
    record(out, "NativeBatchNormBackward", {input, weight, bias},
           [s, saved_x, saved_w, mean, invstd, training, need_x, need_w, need_b](const Tensor& g_) {
             Tensor gw = need_w ? Tensor::empty({s.channels}) : Tensor();
             Tensor gb = need_b ? Tensor::empty({s.channels}) : Tensor();
             const float* w = saved_w.defined() ? saved_w.data() : nullptr;
             float* gw_data = need_w ? gw.data() : nullptr;
             float* gb_data = need_b ? gb.data() : nullptr;
             Tensor gx;
             if (const int64_t block = channel_block(saved_x)) {
               // In the input's layout; a gradient that arrives in another (plain, through a
               // Flatten) is reordered into it once.
               const kernels::cpu::LayoutPtr& layout = saved_x.impl()->backend_layout;
               Tensor g = g_;
               if (!kernels::cpu::same_layout(blocked::layout_of(g_), layout.get())) {
                 const Tensor plain = g_.contiguous();
                 g = blocked::empty(saved_x.shape(), layout);
                 kernels::cpu::reorder_from_plain(*layout, plain.data(), blocked::raw_data(g));
               }
               if (need_x) gx = blocked::empty(saved_x.shape(), layout);
               kernels::cpu::batch_norm_backward_blocked(s, block, blocked::raw_data(saved_x), blocked::raw_data(g),
                                                         mean.data(), invstd.data(), w, training,
                                                         need_x ? blocked::raw_data(gx) : nullptr, gw_data, gb_data);
               return std::vector<Tensor>{gx, gw, gb};
             }
             const Tensor g = g_.contiguous();
             if (need_x) gx = Tensor::empty(saved_x.shape());
             kernels::cpu::batch_norm_backward(s, saved_x.data(), g.data(), mean.data(), invstd.data(), w, training,
                                               need_x ? gx.data() : nullptr, gw_data, gb_data);
             return std::vector<Tensor>{gx, gw, gb};
           },
           saved);
  }
  return out;
}

}  // namespace fovea
