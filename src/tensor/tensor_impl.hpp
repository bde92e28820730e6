#pragma once
// What a Tensor handle points to. Internal: the layers above reach it only through Tensor's
// methods, the ops (src/ops/) through this header and the helpers below.
#include <memory>

#include "fovea/tensor.hpp"

namespace fovea {

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements, for views into a larger storage
  Shape shape;
  Shape strides;  // in elements, one per dimension
  Dtype dtype = kFloat32;
  Layout layout = Layout::Strided;
  std::shared_ptr<const BackendLayout> backend_layout;  // set when layout == Blocked
  // A view made by a differentiable view op while its base needed a graph: an in-place op through
  // it would have to rewrite the base's graph (PyTorch's CopySlices), which fovea refuses instead.
  bool is_graph_view = false;
  // Any view (made by detail::make_view): shares its elements with another tensor.
  bool is_view = false;
  // Autograd's slots, filled by src/autograd and src/ops.
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
};

namespace detail {

// Row-major strides for `shape`: [C*H*W, H*W, W, 1].
Shape contiguous_strides(const Shape& shape);
// The impl, or an Error for an undefined tensor.
TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl);
// The impl after converting a Blocked tensor to row-major (in place, once).
TensorImpl& materialized(const std::shared_ptr<TensorImpl>& impl);
// A tensor over `base`'s storage with the given geometry, cut from the graph (the differentiable
// view ops in src/ops/shape.cpp record their nodes on it).
Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset);
// Byte address of the element at storage offset `offset`.
char* element_address(const TensorImpl& impl, int64_t offset);
// Writes src's elements into dst's (any strides; src broadcast to dst's shape; converted to dst's
// dtype). No graph. Safe when the two share storage.
void copy_elements(const Tensor& dst, const Tensor& src);
// a + b as a new float32 tensor (b may be undefined: a copy of a). Two tensors in the same
// blocked layout add over their storage and the sum keeps the layout. No graph.
Tensor sum_of(const Tensor& a, const Tensor& b);
// dst += src for float32 tensors of one shape (gradient accumulation); dst may repeat elements
// (stride 0), which then receive the sum of everything written to them. No graph, no version bump.
void add_into(const Tensor& dst, const Tensor& src);
// Marks the storage written in place (autograd's version counter).
inline void bump_version(const Tensor& t) { ++t.impl()->storage->version; }
// The name of the node that made `t` ("AddBackward"), for printing. Defined by autograd, which
// fills the grad_fn slot (src/autograd/node_name.cpp), so that the tensor layer need not include it.
std::string grad_fn_name(const Tensor& t);

}  // namespace detail
}  // namespace fovea
