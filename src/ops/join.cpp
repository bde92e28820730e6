// Joining and padding: cat, stack, pad, with their gradients.
//
// cat's gradient hands each input its slice of the output gradient; stack is cat of unsqueezed
// inputs; pad is a copy into a larger (or cropped) frame, whose gradient is the inner slice, or,
// for reflection, an index_select along each padded dimension, whose gradient folds the mirrored
// border back onto the elements it copied.
#include <algorithm>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using ops_detail::wrap_dim;

namespace {

// PyTorch's type promotion among fovea's dtypes: bool < int64 < float32.
Dtype promote(Dtype a, Dtype b) {
  if (a == kFloat32 || b == kFloat32) return kFloat32;
  if (a == kInt64 || b == kInt64) return kInt64;
  return kBool;
}

bool any_needs_graph(const std::vector<Tensor>& tensors) {
  if (!grad_mode_enabled()) return false;
  return std::any_of(tensors.begin(), tensors.end(), [](const Tensor& t) { return t.requires_grad(); });
}

}  // namespace

// ---- cat / stack ----

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  FOVEA_CHECK(!tensors.empty(), ValueError, "cat: expected a non-empty list of tensors");
  // PyTorch's legacy rule: 1-D empty tensors (shape [0]) are skipped whatever the others' shape.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  const Tensor* first = nullptr;
  Dtype dtype = tensors[0].dtype();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    FOVEA_CHECK(t.defined(), Error, "cat: tensor ", i, " in the list is undefined");
    FOVEA_CHECK(t.dim() > 0, ShapeError, "cat: zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    dtype = promote(dtype, t.dtype());
    if (!first && !skipped(t)) first = &t;
  }
  if (!first) first = &tensors[0];
  const int64_t d = wrap_dim(dim, first->dim(), "cat");
  Shape shape = first->shape();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t) && first->dim() != 1) continue;
    FOVEA_CHECK(t.dim() == first->dim(), ShapeError, "cat: tensors must have the same number of dimensions, got ",
                to_string(first->shape()), " and ", to_string(t.shape()), " (tensor ", i, " in the list)");
    for (int64_t k = 0; k < t.dim(); ++k)
      FOVEA_CHECK(k == d || t.size(k) == first->size(k), ShapeError, "cat: sizes of tensors must match except in dimension ",
                  d, ", but tensor ", i, " has shape ", to_string(t.shape()), " and the first ",
                  to_string(first->shape()));
    shape[d] += t.size(d);
  }
  Tensor out = Tensor::empty(shape, dtype);
  std::vector<int64_t> starts(tensors.size(), 0);
  int64_t start = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (skipped(tensors[i]) && first->dim() != 1) continue;
    starts[i] = start;
    const int64_t size = tensors[i].size(d);
    if (size > 0) detail::copy_elements(out.narrow(d, start, size), tensors[i]);
    start += size;
  }
  if (any_needs_graph(tensors)) {
    std::vector<Shape> shapes;
    std::vector<bool> need;
    for (const Tensor& t : tensors) {
      shapes.push_back(t.shape());
      need.push_back(t.requires_grad());
    }
    record(out, "CatBackward", tensors, [d, starts, shapes, need](const Tensor& g) {
      std::vector<Tensor> grads(shapes.size());
      for (size_t i = 0; i < shapes.size(); ++i) {
        if (!need[i]) continue;
        // A skipped [0] tensor gets an empty gradient of its own shape.
        grads[i] = shapes[i].size() == 1 && shapes[i][0] == 0 && g.dim() != 1 ? zeros(shapes[i])
                                                                               : g.narrow(d, starts[i], shapes[i][d]);
      }
      return grads;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  FOVEA_CHECK(!tensors.empty(), ValueError, "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    FOVEA_CHECK(tensors[i].defined(), Error, "stack: tensor ", i, " in the list is undefined");
    FOVEA_CHECK(tensors[i].shape() == tensors[0].shape(), ShapeError,
                "stack: expects each tensor to be equal size, but got ", to_string(tensors[0].shape()),
                " at entry 0 and ", to_string(tensors[i].shape()), " at entry ", i);
  }
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(d));
  return cat(parts, d);
}

// ---- pad ----

namespace {

// Mirrors the border of dimension d without repeating the edge: output position j reads input
// position j - before, reflected at both ends (PyTorch's ReflectionPad).
Tensor reflect_dim(const Tensor& x, int64_t d, int64_t before, int64_t after) {
  const int64_t n = x.size(d), out_size = n + before + after;
  std::vector<int64_t> positions(static_cast<size_t>(out_size));
  for (int64_t j = 0; j < out_size; ++j) {
    int64_t i = j - before;
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
    positions[static_cast<size_t>(j)] = i;
  }
  return index_select(x, d, from_vector(positions, {out_size}));
}

}  // namespace

Tensor pad(const Tensor& x, const Shape& pad, const std::string& mode, float value) {
  FOVEA_CHECK(x.defined(), Error, "pad: the input is undefined");
  FOVEA_CHECK(mode == "constant" || mode == "reflect", ValueError, "pad: unknown padding mode \"", mode,
              "\" (expected \"constant\" or \"reflect\")");
  FOVEA_CHECK(pad.size() % 2 == 0, ValueError, "pad: the padding ", to_string(pad),
              " must have an even length ((before, after) pairs from the last dimension)");
  const int64_t pairs = static_cast<int64_t>(pad.size()) / 2;
  FOVEA_CHECK(pairs <= x.dim(), ValueError, "pad: the padding ", to_string(pad), " covers ", pairs,
              " dimensions but the input of shape ", to_string(x.shape()), " has ", x.dim());
  // Pair p pads dimension dim() - 1 - p.
  Shape out_shape = x.shape();
  for (int64_t p = 0; p < pairs; ++p) {
    const int64_t d = x.dim() - 1 - p, before = pad[2 * p], after = pad[2 * p + 1];
    out_shape[d] = x.size(d) + before + after;
    FOVEA_CHECK(out_shape[d] >= 0, ShapeError, "pad: dimension ", d, " of size ", x.size(d), " padded by (", before,
                ", ", after, ") would have the negative size ", out_shape[d], " (input shape ", to_string(x.shape()),
                ")");
  }

  if (mode == "reflect") {
    FOVEA_CHECK(value == 0.0f, ValueError, "pad: mode \"reflect\" takes no fill value, got ", value);
    Tensor out = x;
    for (int64_t p = 0; p < pairs; ++p) {
      const int64_t d = x.dim() - 1 - p, before = pad[2 * p], after = pad[2 * p + 1];
      if (before == 0 && after == 0) continue;
      FOVEA_CHECK(before < x.size(d) && after < x.size(d), ValueError,
                  "pad: reflect padding must be smaller than the dimension it pads, got padding (", before, ", ", after,
                  ") for dimension ", d, " of the input of shape ", to_string(x.shape()));
      out = reflect_dim(out, d, before, after);
    }
    return out.defined() && out.impl() == x.impl() ? x.clone() : out;
  }

  // Constant: the input's elements that survive (negative pads crop) go to their shifted place in
  // a frame filled with `value`.
  Tensor out = full(out_shape, value, x.dtype());
  Tensor kept = x.detach(), frame = out;
  for (int64_t p = 0; p < pairs; ++p) {
    const int64_t d = x.dim() - 1 - p, before = pad[2 * p], after = pad[2 * p + 1];
    const int64_t crop_before = std::max<int64_t>(-before, 0), crop_after = std::max<int64_t>(-after, 0);
    const int64_t length = std::max<int64_t>(x.size(d) - crop_before - crop_after, 0);
    kept = kept.narrow(d, std::min(crop_before, x.size(d)), length);
    frame = frame.narrow(d, std::max<int64_t>(before, 0), length);
  }
  if (kept.numel() > 0) detail::copy_elements(frame, kept);
  if (needs_graph({&x})) {
    const Shape x_shape = x.shape(), out_shape_ = out_shape;
    record(out, "ConstantPadBackward", {x}, [x_shape, out_shape_, pad, pairs](const Tensor& g) {
      // The inverse crop: the gradient's inner region back in the input's frame (zeros where the
      // input was cropped away).
      Tensor inner = g, gx = zeros(x_shape), target = gx;
      const int64_t n = static_cast<int64_t>(x_shape.size());
      for (int64_t p = 0; p < pairs; ++p) {
        const int64_t d = n - 1 - p, before = pad[2 * p], after = pad[2 * p + 1];
        const int64_t crop_before = std::max<int64_t>(-before, 0), crop_after = std::max<int64_t>(-after, 0);
        const int64_t length = std::max<int64_t>(x_shape[d] - crop_before - crop_after, 0);
        inner = inner.narrow(d, std::max<int64_t>(before, 0), length);
        target = target.narrow(d, std::min(crop_before, x_shape[d]), length);
      }
      if (inner.numel() > 0) detail::copy_elements(target, inner);
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace fovea
