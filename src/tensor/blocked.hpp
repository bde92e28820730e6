#pragma once
// Access to tensors in a backend layout, for the ops that hand them to layout-aware kernels.
#include "fovea/tensor.hpp"
#include "kernels/cpu/layout.hpp"

namespace fovea::blocked {

// A new tensor of logical `shape` whose storage is in `layout` (row-major when layout is null).
Tensor empty(const Shape& shape, const kernels::cpu::LayoutPtr& layout);
// The tensor's backend layout, or nullptr when it is row-major.
const BackendLayout* layout_of(const Tensor& t);
// The storage as it is, in whatever layout: never converts.
float* raw_data(const Tensor& t);
// The number of floats in the storage the layout uses (>= numel for padded blocked layouts).
int64_t storage_floats(const Tensor& t);

}  // namespace fovea::blocked
