#pragma once
// Small checks shared by the op families: every shape error names the op and both shapes.
#include <algorithm>
#include <array>
#include <string>

#include "fovea/error.hpp"
#include "fovea/tensor.hpp"
#include "kernels/cpu/strided_loop.hpp"
#include "kernels/shapes.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::ops_detail {

// A TypeError unless t is a defined float32 tensor.
inline void check_float(const Tensor& t, const char* op) {
  FOVEA_CHECK(t.defined(), Error, op, ": the input is undefined");
  FOVEA_CHECK(t.dtype() == kFloat32, TypeError, op, ": expected a float32 tensor, got ", to_string(t.dtype()));
}

// Byte strides of `t` read as a tensor of `shape` (t's shape broadcasts to it: 0 along repeated
// dimensions).
inline std::vector<int64_t> broadcast_byte_strides(const Tensor& t, const Shape& shape) {
  std::vector<int64_t> out(shape.size(), 0);
  const size_t lead = shape.size() - t.shape().size();
  const int64_t size = element_size(t.dtype());
  for (size_t d = 0; d < t.shape().size(); ++d)
    out[lead + d] = t.shape()[d] == 1 ? 0 : t.strides()[d] * size;
  return out;
}

// Calls row(ptrs, strides, n) over rows of the elements of out's shape, operand k (operands[0] is
// usually `out` itself) broadcast to it: ptrs[k] is its first element in the row and strides[k]
// its step in bytes. Rows are split across threads above kernels::cpu::kGrainSize elements.
template <int N, typename RowFn>
void for_each_row(const Tensor& out, const std::array<Tensor, N>& operands, RowFn row, bool parallel = true) {
  std::array<std::vector<int64_t>, N> strides;
  std::array<char*, N> base;
  for (int k = 0; k < N; ++k) {
    strides[k] = broadcast_byte_strides(operands[k], out.shape());
    const TensorImpl& impl = *operands[k].impl();
    base[k] = detail::element_address(impl, operands[k].storage_offset());
  }
  kernels::cpu::StridedLoop<N> loop(out.shape(), strides);
  std::array<int64_t, N> inner;
  for (int k = 0; k < N; ++k) inner[k] = loop.inner_stride(k);
  loop.run(base, [&](const std::array<char*, N>& p, int64_t n) { row(p, inner, n); }, parallel);
}

// `dim` in [-n, n) counted from the front, as PyTorch's maybe_wrap_dim.
inline int64_t wrap_dim(int64_t dim, int64_t n, const char* op) {
  const int64_t lo = n > 0 ? -n : -1, hi = n > 0 ? n - 1 : 0;  // a 0-d tensor takes dim 0 or -1
  FOVEA_CHECK(dim >= lo && dim <= hi, IndexError, op, ": dimension ", dim, " out of range (expected to be in range of [",
              lo, ", ", hi, "])");
  return dim < 0 ? dim + std::max<int64_t>(n, 1) : dim;
}

inline void check_dim(const Tensor& t, int64_t dim, const char* op, const char* what) {
  FOVEA_CHECK(t.defined(), Error, op, ": ", what, " is undefined");
  FOVEA_CHECK(t.dim() == dim, ShapeError, op, ": expected ", what, " with ", dim, " dimensions, got shape ",
              to_string(t.shape()));
}

inline void check_same_shape(const Tensor& a, const Tensor& b, const char* op) {
  FOVEA_CHECK(a.shape() == b.shape(), ShapeError, op, ": shapes ", to_string(a.shape()), " and ", to_string(b.shape()),
              " differ");
}

// The gradient through a ReLU whose output is `y`: `g` where y > 0, else 0. Works in y's backend
// layout when g shares it, and writes into g itself when nothing else holds g (defined in
// activation.cpp; used by relu and by the ReLU fused into conv2d_relu).
Tensor relu_grad(const Tensor& y, const Tensor& g);

// conv2d with a ReLU applied to its output as it is written (conv.cpp). `forward_only` leaves the
// ReLU's gradient out of the convolution's backward, for a caller that applies it itself (as
// conv2d_relu_max_pool2d does, on the 4x smaller pooled gradient).
enum class ConvRelu { none, forward_and_backward, forward_only };
// The kernel's shape of conv2d(input [N, C, H, W], weight [O, C / groups, kH, kW], ...); checks nothing.
inline kernels::Conv2dShape conv_shape(const Tensor& input, const Tensor& weight, std::pair<int64_t, int64_t> stride,
                                       std::pair<int64_t, int64_t> padding, std::pair<int64_t, int64_t> dilation,
                                       int64_t groups) {
  return {input.size(0),  input.size(1),  input.size(2), input.size(3), weight.size(0),
          weight.size(2), weight.size(3), stride.first,  stride.second, padding.first,
          padding.second, groups,         dilation.first, dilation.second};
}
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, std::pair<int64_t, int64_t> stride,
                   std::pair<int64_t, int64_t> padding, std::pair<int64_t, int64_t> dilation, int64_t groups,
                   ConvRelu relu);

}  // namespace fovea::ops_detail
