// Views and copies: the methods of Tensor that change shape or strides, with their gradients.
//
// A view shares its base's storage and only computes new strides, as in PyTorch; the gradient of
// a view is the incoming gradient put back into the base's geometry (reshaped, permuted back,
// summed over broadcast dimensions, or placed into zeros at the selected positions).
#include <algorithm>
#include <numeric>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using ops_detail::wrap_dim;

namespace {

// A view of `base` with the given geometry; records `name` with `backward` when base needs a graph.
Tensor make_graph_view(const Tensor& base, Shape shape, Shape strides, int64_t offset, const char* name,
                       Node::BackwardFn backward) {
  Tensor out = detail::make_view(base, std::move(shape), std::move(strides), offset);
  if (needs_graph({&base})) {
    out.impl()->is_graph_view = true;
    record(out, name, {base}, std::move(backward));
  }
  return out;
}

// Strides for `shape` over the same elements as (old_shape, old_strides), when they exist without
// copying (PyTorch's computeStride): dimensions are matched in contiguous chunks.
bool view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& shape, Shape& out) {
  out.assign(shape.size(), 0);
  if (old_shape.empty()) {  // a 0-d tensor: any shape of one element
    out.assign(shape.size(), 1);
    return true;
  }
  if (fovea::numel(old_shape) == 0) {
    out = detail::contiguous_strides(shape);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    if (d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

Shape infer_shape(const Shape& requested, int64_t count, const char* op, const Shape& from) {
  Shape shape = requested;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      FOVEA_CHECK(infer < 0, ShapeError, op, " ", to_string(requested), ": only one dimension can be -1");
      infer = static_cast<int64_t>(i);
    } else {
      FOVEA_CHECK(shape[i] >= 0, ShapeError, op, " ", to_string(requested), ": invalid dimension ", shape[i]);
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    FOVEA_CHECK(known != 0 && count % known == 0, ShapeError, "shape ", to_string(requested),
                " is invalid for input of size ", count);
    shape[infer] = count / known;
  }
  FOVEA_CHECK(fovea::numel(shape) == count, ShapeError, "shape ", to_string(requested), " is invalid for input of size ",
              count, " (shape ", to_string(from), ")");
  return shape;
}

// The gradient of a view that picked some of the base's elements: zeros of the base's shape with g
// written where the view looks. `pick` makes the same view of the zeros.
template <typename Pick>
Tensor scatter_into_zeros(const Shape& base_shape, const Tensor& g, Pick pick) {
  Tensor gx = zeros(base_shape);
  detail::copy_elements(pick(gx), g);
  return gx;
}

// The same elements under the same geometry, as a new tensor in the graph (PyTorch's alias):
// what a view op returns when it has nothing to change.
Tensor alias(const Tensor& base) {
  return make_graph_view(base, base.shape(), base.strides(), base.storage_offset(), "AliasBackward",
                         [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

}  // namespace

Tensor Tensor::view(const Shape& requested) const {
  const Shape shape = infer_shape(requested, numel(), "view", this->shape());
  Shape strides;
  FOVEA_CHECK(view_strides(this->shape(), this->strides(), shape, strides), ShapeError, "view ", to_string(requested),
              ": the size is not compatible with the input's strides ", to_string(this->strides()), " (shape ",
              to_string(this->shape()), "); use reshape(...) instead");
  const Shape input_shape = this->shape();
  return make_graph_view(*this, shape, strides, storage_offset(), "ViewBackward",
                         [input_shape](const Tensor& g) { return std::vector<Tensor>{g.reshape(input_shape)}; });
}

Tensor Tensor::reshape(const Shape& requested) const {
  const Shape shape = infer_shape(requested, numel(), "reshape", this->shape());
  Shape strides;
  if (view_strides(this->shape(), this->strides(), shape, strides)) return view(shape);
  return contiguous().view(shape);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  const int64_t n = dim();
  if (n == 0) {
    wrap_dim(start_dim, 0, "flatten");
    wrap_dim(end_dim, 0, "flatten");
    return reshape({1});
  }
  const int64_t s = wrap_dim(start_dim, n, "flatten"), e = wrap_dim(end_dim, n, "flatten");
  FOVEA_CHECK(s <= e, ShapeError, "flatten(", start_dim, ", ", end_dim, "): start_dim comes after end_dim for shape ",
              to_string(shape()));
  Shape out(shape().begin(), shape().begin() + s);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= shape()[i];
  out.push_back(merged);
  out.insert(out.end(), shape().begin() + e + 1, shape().end());
  return reshape(out);
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out;
  if (layout() == Layout::Blocked) {
    out = detail::sum_of(*this, Tensor());  // keeps the backend layout
  } else {
    out = Tensor::empty(shape(), dtype());
    detail::copy_elements(out, *this);
  }
  if (needs_graph({this}))
    record(out, "CloneBackward", {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor Tensor::permute(const Shape& dims) const {
  const int64_t n = dim();
  FOVEA_CHECK(static_cast<int64_t>(dims.size()) == n, ShapeError, "permute(", to_string(dims), "): expected ", n,
              " dimensions for a tensor of shape ", to_string(shape()));
  Shape shape(n), strides(n), inverse(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = wrap_dim(dims[i], n, "permute");
    FOVEA_CHECK(!seen[d], ShapeError, "permute(", to_string(dims), "): dimension ", dims[i], " repeats");
    seen[d] = true;
    shape[i] = this->shape()[d];
    strides[i] = this->strides()[d];
    inverse[d] = i;
  }
  return make_graph_view(*this, shape, strides, storage_offset(), "PermuteBackward",
                         [inverse](const Tensor& g) { return std::vector<Tensor>{g.permute(inverse)}; });
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  const int64_t n = dim();
  if (n == 0) {
    wrap_dim(dim0, 0, "transpose");
    wrap_dim(dim1, 0, "transpose");
    return alias(*this);
  }
  Shape dims(n);
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(dim0, n, "transpose")], dims[wrap_dim(dim1, n, "transpose")]);
  return permute(dims);
}

Tensor Tensor::t() const {
  FOVEA_CHECK(dim() <= 2, ShapeError, "t() expects a tensor with at most 2 dimensions, got shape ", to_string(shape()));
  return dim() < 2 ? alias(*this) : transpose(0, 1);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  const int64_t at = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape shape = this->shape(), strides = this->strides();
  const int64_t stride = at < dim() ? shape[at] * strides[at] : 1;
  shape.insert(shape.begin() + at, 1);
  strides.insert(strides.begin() + at, stride);
  const Shape input_shape = this->shape();
  return make_graph_view(*this, shape, strides, storage_offset(), "UnsqueezeBackward",
                         [input_shape](const Tensor& g) { return std::vector<Tensor>{g.reshape(input_shape)}; });
}

Tensor Tensor::squeeze() const {
  Shape shape, strides;
  for (int64_t i = 0; i < dim(); ++i)
    if (this->shape()[i] != 1) {
      shape.push_back(this->shape()[i]);
      strides.push_back(this->strides()[i]);
    }
  const Shape input_shape = this->shape();
  return make_graph_view(*this, shape, strides, storage_offset(), "SqueezeBackward",
                         [input_shape](const Tensor& g) { return std::vector<Tensor>{g.reshape(input_shape)}; });
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) {
    wrap_dim(d, 0, "squeeze");
    return alias(*this);
  }
  const int64_t at = wrap_dim(d, dim(), "squeeze");
  if (shape()[at] != 1) return alias(*this);
  Shape shape = this->shape(), strides = this->strides();
  shape.erase(shape.begin() + at);
  strides.erase(strides.begin() + at);
  const Shape input_shape = this->shape();
  return make_graph_view(*this, shape, strides, storage_offset(), "SqueezeBackward",
                         [input_shape](const Tensor& g) { return std::vector<Tensor>{g.reshape(input_shape)}; });
}

Tensor Tensor::expand(const Shape& requested) const {
  const int64_t n = static_cast<int64_t>(requested.size());
  FOVEA_CHECK(n >= dim(), ShapeError, "expand: the number of sizes given (", n,
              ") must be at least the number of dimensions of the tensor (shape ", to_string(shape()), ")");
  Shape shape(n), strides(n);
  const int64_t lead = n - dim();
  for (int64_t i = n - 1; i >= 0; --i) {
    const int64_t own = i >= lead ? this->shape()[i - lead] : 1;
    int64_t size = requested[i];
    if (size == -1) {
      FOVEA_CHECK(i >= lead, ShapeError, "expand ", to_string(requested), ": -1 is not allowed in a new leading dimension");
      size = own;
    }
    FOVEA_CHECK(size >= 0, ShapeError, "expand ", to_string(requested), ": invalid size ", size);
    FOVEA_CHECK(own == size || own == 1, ShapeError, "expand: the expanded size ", size,
                " must match the existing size ", own, " at dimension ", i, " (shape ", to_string(this->shape()),
                " to ", to_string(requested), ")");
    shape[i] = size;
    strides[i] = (i >= lead && own == size) ? this->strides()[i - lead] : 0;
  }
  const Shape input_shape = this->shape();
  return make_graph_view(*this, shape, strides, storage_offset(), "ExpandBackward",
                         [input_shape](const Tensor& g) { return std::vector<Tensor>{sum_to(g, input_shape)}; });
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  FOVEA_CHECK(dim() > 0, IndexError, "slice() cannot be applied to a 0-dim tensor");
  const int64_t at = wrap_dim(d, dim(), "slice");
  FOVEA_CHECK(step > 0, ValueError, "slice: step must be positive, got ", step);
  const int64_t size = shape()[at];
  // Python's rules: negative bounds count from the end, then both are clamped to [0, size].
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  Shape shape = this->shape(), strides = this->strides();
  shape[at] = (end - start + step - 1) / step;
  strides[at] *= step;
  const int64_t offset = storage_offset() + start * this->strides()[at];
  const Shape input_shape = this->shape();
  return make_graph_view(*this, shape, strides, offset, "SliceBackward", [=](const Tensor& g) {
    NoGradGuard no_grad;
    return std::vector<Tensor>{
        scatter_into_zeros(input_shape, g, [&](const Tensor& z) { return z.slice(at, start, end, step); })};
  });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  FOVEA_CHECK(dim() > 0, IndexError, "narrow() cannot be applied to a 0-dim tensor");
  const int64_t at = wrap_dim(d, dim(), "narrow");
  const int64_t size = shape()[at];
  FOVEA_CHECK(start >= -size && start <= size, IndexError, "narrow: start ", start, " out of range for dimension ", d,
              " of size ", size);
  if (start < 0) start += size;
  FOVEA_CHECK(length >= 0 && start + length <= size, IndexError, "narrow: start (", start, ") + length (", length,
              ") exceeds dimension size (", size, ")");
  return slice(at, start, start + length, 1);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  FOVEA_CHECK(dim() > 0, IndexError, "select() cannot be applied to a 0-dim tensor");
  const int64_t at = wrap_dim(d, dim(), "select");
  const int64_t size = shape()[at];
  FOVEA_CHECK(index >= -size && index < size, IndexError, "select(): index ", index,
              " out of range for tensor of size ", to_string(shape()), " at dimension ", d);
  if (index < 0) index += size;
  Shape shape = this->shape(), strides = this->strides();
  shape.erase(shape.begin() + at);
  strides.erase(strides.begin() + at);
  const int64_t offset = storage_offset() + index * this->strides()[at];
  const Shape input_shape = this->shape();
  return make_graph_view(*this, shape, strides, offset, "SelectBackward", [=](const Tensor& g) {
    NoGradGuard no_grad;
    return std::vector<Tensor>{scatter_into_zeros(input_shape, g, [&](const Tensor& z) { return z.select(at, index); })};
  });
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const {
  FOVEA_CHECK(dim() > 0, IndexError, "split() cannot be applied to a 0-dim tensor");
  const int64_t at = wrap_dim(d, dim(), "split");
  const int64_t size = shape()[at];
  FOVEA_CHECK(split_size > 0 || (split_size == 0 && size == 0), ValueError, "split: split_size must be positive, got ",
              split_size);
  std::vector<Tensor> parts;
  if (size == 0) return {alias(*this)};
  for (int64_t start = 0; start < size; start += split_size)
    parts.push_back(narrow(at, start, std::min(split_size, size - start)));
  return parts;
}

std::vector<Tensor> Tensor::split(const Shape& split_sizes, int64_t d) const {
  FOVEA_CHECK(dim() > 0, IndexError, "split() cannot be applied to a 0-dim tensor");
  const int64_t at = wrap_dim(d, dim(), "split");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    FOVEA_CHECK(s >= 0, ValueError, "split: sizes ", to_string(split_sizes), " contain a negative size");
    total += s;
  }
  FOVEA_CHECK(total == shape()[at], ShapeError, "split: sizes ", to_string(split_sizes), " sum to ", total,
              " but dimension ", d, " has size ", shape()[at]);
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    parts.push_back(narrow(at, start, s));
    start += s;
  }
  return parts;
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const {
  FOVEA_CHECK(chunks > 0, ValueError, "chunk: expected a positive number of chunks, got ", chunks);
  FOVEA_CHECK(dim() > 0, IndexError, "chunk() cannot be applied to a 0-dim tensor");
  const int64_t size = shape()[wrap_dim(d, dim(), "chunk")];
  if (size == 0) {  // as PyTorch: `chunks` empty parts
    std::vector<Tensor> parts;
    for (int64_t i = 0; i < chunks; ++i) parts.push_back(alias(*this));
    return parts;
  }
  return split((size + chunks - 1) / chunks, d);
}

// ---- broadcasting ----

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    FOVEA_CHECK(x == y || x == 1 || y == 1, ShapeError, op, ": shapes ", to_string(a), " and ", to_string(b),
                " do not broadcast (sizes ", x, " and ", y, " at dimension ", i, ")");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.dim() - static_cast<int64_t>(shape.size());
  FOVEA_INTERNAL_ASSERT(lead >= 0, "sum_to ", to_string(g.shape()), " -> ", to_string(shape));
  // The leading dimensions broadcasting added, and those broadcast from size 1: summed with the
  // reduction kernel (in double, threaded), never recorded in a graph.
  Shape dims;
  for (int64_t i = 0; i < g.dim(); ++i) {
    FOVEA_INTERNAL_ASSERT(i < lead || shape[i - lead] == g.shape()[i] || shape[i - lead] == 1);
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) dims.push_back(i);
  }
  NoGradGuard no_grad;
  if (dims.empty()) return g.reshape(shape);
  return sum(g, dims, true).reshape(shape);
}

}  // namespace fovea
