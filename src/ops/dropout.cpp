// dropout: inverted dropout, as PyTorch: survivors are scaled by 1/(1-p) during training so that
// evaluation needs no rescaling.
#include <memory>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

Tensor dropout(const Tensor& input_, float p, bool training) {
  ops_detail::check_float(input_, "dropout");
  const Tensor input = input_.contiguous();
  FOVEA_CHECK(p >= 0.0f && p <= 1.0f, ValueError, "dropout probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0f) return input_;
  Tensor out = Tensor::empty(input.shape());
  const int64_t n = input.numel();
  // The mask holds 0 or 1/(1-p): backward is one multiply. p == 1 zeroes everything (PyTorch too).
  auto mask = std::make_shared<std::vector<float>>(n);
  const float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
  // Counter-based draws (Philox, keyed by one draw of the generator): vectorised, and the mask
  // depends on the seed and the draws before, not on the thread count.
  default_generator().fill_uniform_philox(mask->data(), n);
  kernels::cpu::dropout_forward(n, input.data(), p, scale, mask->data(), out.data());
  if (needs_graph({&input})) {
    record(out, "DropoutBackward", {input}, [mask](const Tensor& g) {
      Tensor gx = Tensor::empty(g.shape());
      kernels::cpu::dropout_backward(g.numel(), g.data(), mask->data(), gx.data());
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace fovea

namespace fovea {

Tensor dropout2d(const Tensor& input, float p, bool training) {
  ops_detail::check_float(input, "dropout2d");
  FOVEA_CHECK(p >= 0.0f && p <= 1.0f, ValueError, "dropout2d probability has to be between 0 and 1, but got ", p);
  FOVEA_CHECK(input.dim() == 3 || input.dim() == 4, ShapeError,
              "dropout2d: expected a 4-D [N, C, H, W] (or, as torch 1.13, a 3-D [N, C, L]) input, got shape ",
              to_string(input.shape()));
  if (!training || p == 0.0f) return input;
  // One draw per (n, c), as dropout's, the same per-element rule as dropout's kernel: a channel is
  // dropped when its draw is below p, the others scaled by 1/(1-p).
  const int64_t n = input.size(0), c = input.size(1);
  Tensor mask = Tensor::empty({n, c});
  default_generator().fill_uniform_philox(mask.data(), n * c);
  const float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
  // dropout's kernel turns the draws into the mask (0 or scale) in place; its product with ones
  // is not needed, only the mask.
  Tensor ones_nc = ones({n, c}), product = Tensor::empty({n, c});
  kernels::cpu::dropout_forward(n * c, ones_nc.data(), p, scale, mask.data(), product.data());
  // Off the hot path: the broadcast multiply records the gradient (g times the mask).
  Shape mask_shape{n, c, 1};
  if (input.dim() == 4) mask_shape.push_back(1);
  return mul(input, mask.view(mask_shape));
}

}  // namespace fovea
