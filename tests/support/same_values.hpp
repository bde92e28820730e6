#pragma once
// Bit-for-bit equality of two tensors: the same shape and every element equal.
#include "fovea/tensor.hpp"

namespace fovea::testing {

inline bool same_values(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  for (int64_t i = 0; i < a.numel(); ++i)
    if (a.data()[i] != b.data()[i]) return false;
  return true;
}

}  // namespace fovea::testing
