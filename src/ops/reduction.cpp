// Reductions along dimensions: argmax so far (the reduction family grows here).
#include <cmath>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "ops/op_helpers.hpp"

namespace fovea {

Tensor argmax(const Tensor& input, std::optional<int64_t> dim, bool keepdim) {
  ops_detail::check_float(input, "argmax");
  if (!dim) {
    FOVEA_CHECK(input.numel() > 0, ValueError, "argmax(): expected a non-empty tensor when no dim is given");
    Tensor flat_index = argmax(input.reshape({-1}), 0, false);
    return keepdim ? flat_index.reshape(Shape(input.dim(), 1)) : flat_index;
  }
  const Tensor x = input.dim() == 0 ? input.reshape({1}) : input.contiguous();
  const int64_t axis = ops_detail::wrap_dim(*dim, x.dim(), "argmax");
  FOVEA_CHECK(x.size(axis) > 0, IndexError, "argmax(): expected a non-empty dimension ", *dim, " in shape ",
              to_string(input.shape()));
  int64_t outer = 1, inner = 1;
  const int64_t len = x.size(axis);
  for (int64_t i = 0; i < axis; ++i) outer *= x.size(i);
  for (int64_t i = axis + 1; i < x.dim(); ++i) inner *= x.size(i);
  Shape out_shape = input.shape();
  if (input.dim() > 0) {
    if (keepdim)
      out_shape[axis] = 1;
    else
      out_shape.erase(out_shape.begin() + axis);
  }
  Tensor result = Tensor::empty(out_shape, kInt64);
  int64_t* r = result.data_ptr<int64_t>();
  const float* p = x.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      float best_value = p[o * len * inner + i];
      for (int64_t k = 1; k < len; ++k) {
        const float v = p[(o * len + k) * inner + i];
        // The first maximum wins, and NaN counts as the maximum, as in PyTorch.
        if (!std::isnan(best_value) && (v > best_value || std::isnan(v))) {
          best_value = v;
          best = k;
        }
      }
      r[o * inner + i] = best;
    }
  return result;
}

Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return fovea::argmax(*this, dim, keepdim); }

}  // namespace fovea
