// Picking elements by index or mask: index_select, gather, masked_fill, flip, with their gradients.
//
// The gradient of a gather is a scatter: index_select's is index_add (rows added back where they
// were picked, repeated indices summing), gather's is scatter_add, masked_fill's lets the gradient
// through where the mask is false, flip's is the same flip.
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/indexing.hpp"
#include "ops/inplace.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using ops_detail::wrap_dim;

namespace {

// `shape` seen as [outer, size, inner] around dimension `dim`.
kernels::cpu::IndexShape index_shape(const Shape& shape, int64_t dim, int64_t src_size, int64_t index_size) {
  kernels::cpu::IndexShape s{1, src_size, index_size, 1};
  for (int64_t d = 0; d < dim; ++d) s.outer *= shape[d];
  for (size_t d = dim + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

// The first element's bytes, for kernels that copy elements of any dtype.
void* raw_bytes(const Tensor& t) {
  detail::materialized(t.impl_ptr());
  return detail::element_address(*t.impl(), t.storage_offset());
}

void check_index_dtype(const Tensor& index, const char* op) {
  FOVEA_CHECK(index.defined(), Error, op, ": the index is undefined");
  FOVEA_CHECK(index.dtype() == kInt64, TypeError, op, ": expected an int64 index tensor, got ",
              to_string(index.dtype()));
}

// An IndexError naming the first index outside [0, size), as PyTorch's "index 5 is out of bounds
// for dimension 0 with size 3".
void check_index_range(const Tensor& index, int64_t dim, int64_t size, const char* op) {
  const int64_t* p = index.data_ptr<int64_t>();
  const int64_t bad = kernels::cpu::first_index_out_of_range(index.numel(), p, size);
  FOVEA_CHECK(bad < 0, IndexError, op, ": index ", bad < 0 ? 0 : p[bad], " is out of bounds for dimension ", dim,
              " with size ", size);
}

}  // namespace

// ---- index_select ----

Tensor index_select(const Tensor& x_, int64_t dim, const Tensor& index_) {
  FOVEA_CHECK(x_.defined(), Error, "index_select: the input is undefined");
  check_index_dtype(index_, "index_select");
  FOVEA_CHECK(index_.dim() <= 1, IndexError, "index_select: the index must be a vector (0-d or 1-d), got shape ",
              to_string(index_.shape()));
  if (x_.dim() == 0) {
    // A 0-d input is indexed as one element along dimension 0 and stays 0-d, as in PyTorch.
    wrap_dim(dim, 0, "index_select");
    FOVEA_CHECK(index_.numel() >= 1, IndexError, "index_select: an empty index cannot select from a 0-d tensor");
    return index_select(x_.reshape({1}), 0, index_.reshape({-1}).slice(0, 0, 1)).reshape({});
  }
  const int64_t d = wrap_dim(dim, x_.dim(), "index_select");
  const Tensor index = index_.reshape({-1}).contiguous();
  check_index_range(index, d, x_.size(d), "index_select");
  const Tensor x = x_.contiguous();
  Shape shape = x.shape();
  shape[d] = index.numel();
  Tensor out = Tensor::empty(shape, x.dtype());
  const auto s = index_shape(x.shape(), d, x.size(d), index.numel());
  kernels::cpu::index_select(s, element_size(x.dtype()), raw_bytes(x), index.data_ptr<int64_t>(),
                             raw_bytes(out));
  if (needs_graph({&x_})) {
    const Shape x_shape = x.shape();
    const Tensor idx = index.detach();
    record(
        out, "IndexSelectBackward", {x_, index_},
        [s, x_shape, idx](const Tensor& g) {
          Tensor gx = zeros(x_shape);
          kernels::cpu::index_add(s, g.contiguous().data(), idx.data_ptr<int64_t>(), gx.data());
          return std::vector<Tensor>{gx, Tensor()};
        },
        {idx});
  }
  return out;
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return fovea::index_select(*this, dim, index); }

// ---- gather ----

Tensor gather(const Tensor& x_, int64_t dim, const Tensor& index_) {
  FOVEA_CHECK(x_.defined(), Error, "gather: the input is undefined");
  check_index_dtype(index_, "gather");
  FOVEA_CHECK(index_.dim() == x_.dim() || (index_.dim() <= 1 && x_.dim() <= 1), ShapeError,
              "gather: the index must have as many dimensions as the input, got index of shape ",
              to_string(index_.shape()), " for input of shape ", to_string(x_.shape()));
  if (x_.dim() == 0 || index_.dim() == 0) {
    // 0-d tensors count as one element along dimension 0.
    wrap_dim(dim, x_.dim(), "gather");
    Tensor out = gather(x_.reshape({-1}), 0, index_.reshape({-1}));
    return index_.dim() == 0 ? out.reshape({}) : out;
  }
  const int64_t d = wrap_dim(dim, x_.dim(), "gather");
  for (int64_t i = 0; i < x_.dim(); ++i)
    FOVEA_CHECK(i == d || index_.size(i) <= x_.size(i), ShapeError, "gather: index of shape ",
                to_string(index_.shape()), " is larger than the input of shape ", to_string(x_.shape()),
                " at dimension ", i, " (only dimension ", d, " may differ)");
  const Tensor index = index_.contiguous();
  check_index_range(index, d, x_.size(d), "gather");
  // Only the part of the input the index covers along the other dimensions is read: cut it out so
  // that input, index and output share one [outer, size, inner] geometry.
  Tensor covered = x_.detach();
  for (int64_t i = 0; i < x_.dim(); ++i)
    if (i != d && index.size(i) < x_.size(i)) covered = covered.narrow(i, 0, index.size(i));
  const Tensor x = covered.contiguous();
  Tensor out = Tensor::empty(index.shape(), x.dtype());
  const auto s = index_shape(index.shape(), d, x.size(d), index.size(d));
  kernels::cpu::gather(s, element_size(x.dtype()), raw_bytes(x), index.data_ptr<int64_t>(),
                       raw_bytes(out));
  if (needs_graph({&x_})) {
    const Shape x_shape = x_.shape(), covered_shape = x.shape();
    const Tensor idx = index.detach();
    record(
        out, "GatherBackward", {x_, index_},
        [s, x_shape, covered_shape, idx](const Tensor& g) {
          Tensor gc = zeros(covered_shape);
          kernels::cpu::scatter_add(s, g.contiguous().data(), idx.data_ptr<int64_t>(), gc.data());
          if (covered_shape == x_shape) return std::vector<Tensor>{gc, Tensor()};
          Tensor gx = zeros(x_shape), region = gx;
          for (size_t i = 0; i < x_shape.size(); ++i) region = region.narrow(i, 0, covered_shape[i]);
          detail::copy_elements(region, gc);
          return std::vector<Tensor>{gx, Tensor()};
        },
        {idx});
  }
  return out;
}

Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return fovea::gather(*this, dim, index); }

// ---- masked_fill ----

namespace {

void check_mask(const Tensor& mask, const char* op) {
  FOVEA_CHECK(mask.defined(), Error, op, ": the mask is undefined");
  FOVEA_CHECK(mask.dtype() == kBool, TypeError, op, ": expected a bool mask, got ", to_string(mask.dtype()));
}

// Writes `value` (converted to t's dtype) into t where `mask` (broadcast to t's shape) is true.
void fill_where(const Tensor& t, const Tensor& mask, float value) {
  detail::materialized(t.impl_ptr());  // a blocked tensor is written in its row-major form
  const Tensor v = full({}, value, t.dtype());
  const int64_t bytes = element_size(t.dtype());
  const char* v_bytes = detail::element_address(*v.impl(), 0);
  ops_detail::for_each_row<2>(t, {t, mask}, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s,
                                                int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      if (*reinterpret_cast<const bool*>(p[1] + i * s[1])) std::memcpy(p[0] + i * s[0], v_bytes, bytes);
  });
}

}  // namespace

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  FOVEA_CHECK(x.defined(), Error, "masked_fill: the input is undefined");
  check_mask(mask, "masked_fill");
  Tensor out = Tensor::empty(broadcast_shapes(x.shape(), mask.shape(), "masked_fill"), x.dtype());
  detail::copy_elements(out, x);
  fill_where(out, mask, value);
  if (needs_graph({&x})) {
    const Shape x_shape = x.shape();
    const Tensor m = mask.detach();
    record(
        out, "MaskedFillBackward", {x, mask},
        [x_shape, m](const Tensor& g) {
          return std::vector<Tensor>{sum_to(masked_fill(g, m, 0.0f), x_shape), Tensor()};
        },
        {m});
  }
  return out;
}

Tensor Tensor::masked_fill(const Tensor& mask, float value) const { return fovea::masked_fill(*this, mask, value); }

Tensor& Tensor::masked_fill_(const Tensor& mask, float value) {
  ops_detail::check_inplace(*this, "masked_fill_");
  check_mask(mask, "masked_fill_");
  FOVEA_CHECK(mask.dim() <= dim() && broadcast_shapes(shape(), mask.shape(), "masked_fill_") == shape(), ShapeError,
              "masked_fill_: the mask of shape ", to_string(mask.shape()), " does not broadcast to the shape ",
              to_string(shape()), " of the tensor written in place");
  if (needs_graph({this}))
    return ops_detail::assign_result(*this, fovea::masked_fill(ops_detail::previous_version(*this), mask, value));
  fill_where(*this, mask, value);
  detail::bump_version(*this);
  return *this;
}

// ---- flip ----

Tensor flip(const Tensor& x, const Shape& dims) {
  FOVEA_CHECK(x.defined(), Error, "flip: the input is undefined");
  Shape strides = x.strides();
  int64_t offset = x.storage_offset();
  std::vector<bool> seen(std::max<int64_t>(x.dim(), 1), false);
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim(dim, x.dim(), "flip");
    FOVEA_CHECK(!seen[d], ValueError, "flip: dimension ", d, " appears more than once in the dims ", to_string(dims));
    seen[d] = true;
    if (x.dim() == 0) continue;
    // Read backwards: start at the last element of the dimension and step by minus its stride.
    offset += (x.size(d) - 1) * strides[d];
    strides[d] = -strides[d];
  }
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  if (x.numel() > 0) detail::copy_elements(out, detail::make_view(x, x.shape(), strides, offset));
  if (needs_graph({&x}))
    record(out, "FlipBackward", {x}, [dims](const Tensor& g) { return std::vector<Tensor>{flip(g, dims)}; });
  return out;
}

Tensor Tensor::flip(const Shape& dims) const { return fovea::flip(*this, dims); }

}  // namespace fovea
