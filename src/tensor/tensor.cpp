// Tensor storage, factories, views and the small non-differentiable helpers.
#include "fovea/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/random.hpp"
#include "kernels/cpu/layout.hpp"
#include "tensor/allocator.hpp"
#include "tensor/blocked.hpp"

namespace fovea {

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Storage::Storage(int64_t n, Device dev) : count(n), device(dev) {
  if (dev != Device::CPU) throw Error("CUDA storage is not available in this build");
  data = detail::allocate_floats(n);
}

Storage::Storage(float* borrowed, int64_t n) : data(borrowed), count(n), owned(false) {}

Storage::~Storage() {
  if (owned) detail::release_floats(data, count);
}

namespace {

std::shared_ptr<TensorImpl> make_impl(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw ShapeError("tensor shape " + to_string(shape) + " has a negative dimension");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(numel(shape));
  impl->shape = shape;
  return impl;
}

TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  if (!impl) throw Error("operation on an undefined tensor");
  return *impl;
}

// Converts a Blocked tensor to row-major in place: a new storage, reordered once.
TensorImpl& materialized(const std::shared_ptr<TensorImpl>& ptr) {
  TensorImpl& impl = checked(ptr);
  if (impl.layout == Layout::Blocked) {
    auto plain = std::make_shared<Storage>(fovea::numel(impl.shape));
    kernels::cpu::reorder_to_plain(*impl.backend_layout, impl.storage->data + impl.offset, plain->data);
    impl.storage = std::move(plain);
    impl.offset = 0;
    impl.layout = Layout::Strided;
    impl.backend_layout.reset();
  }
  return impl;
}

}  // namespace

namespace blocked {

Tensor empty(const Shape& shape, const kernels::cpu::LayoutPtr& layout) {
  if (!layout) return Tensor::empty(shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(kernels::cpu::layout_storage_floats(*layout));
  impl->shape = shape;
  impl->layout = Layout::Blocked;
  impl->backend_layout = layout;
  return Tensor(impl);
}

const BackendLayout* layout_of(const Tensor& t) { return checked(t.impl_ptr()).backend_layout.get(); }

float* raw_data(const Tensor& t) {
  TensorImpl& impl = checked(t.impl_ptr());
  return impl.storage->data + impl.offset;
}

int64_t storage_floats(const Tensor& t) {
  TensorImpl& impl = checked(t.impl_ptr());
  return impl.backend_layout ? kernels::cpu::layout_storage_floats(*impl.backend_layout) : fovea::numel(impl.shape);
}

}  // namespace blocked

Tensor Tensor::empty(const Shape& shape) { return Tensor(make_impl(shape)); }

const Shape& Tensor::shape() const { return checked(impl_).shape; }

int64_t Tensor::size(int64_t d) const {
  int64_t n = dim();
  int64_t i = d < 0 ? d + n : d;
  if (i < 0 || i >= n)
    throw ShapeError("dimension " + std::to_string(d) + " out of range for a tensor of shape " +
                     to_string(shape()));
  return shape()[i];
}

int64_t Tensor::numel() const { return fovea::numel(shape()); }
Device Tensor::device() const { return checked(impl_).storage->device; }
Layout Tensor::layout() const { return checked(impl_).layout; }
float* Tensor::data() {
  TensorImpl& impl = materialized(impl_);
  return impl.storage->data + impl.offset;
}
const float* Tensor::data() const {
  TensorImpl& impl = materialized(impl_);
  return impl.storage->data + impl.offset;
}

float Tensor::item() const {
  if (numel() != 1)
    throw ShapeError("item() needs a tensor with one element, got shape " + to_string(shape()));
  return data()[0];
}

float Tensor::at(int64_t i) const {
  if (i < 0 || i >= numel())
    throw ShapeError("index " + std::to_string(i) + " out of range for " + std::to_string(numel()) +
                     " elements");
  return data()[i];
}

std::vector<float> Tensor::to_vector() const { return std::vector<float>(data(), data() + numel()); }

Tensor Tensor::view(const Shape& requested) const {
  Shape shape = requested;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw ShapeError("view " + to_string(requested) + ": only one dimension can be -1");
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError("view " + to_string(requested) + ": invalid dimension");
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known != 0)
      throw ShapeError("shape " + to_string(requested) + " is invalid for input of size " +
                       std::to_string(numel()));
    shape[infer] = numel() / known;
  }
  if (fovea::numel(shape) != numel())
    throw ShapeError("shape " + to_string(requested) + " is invalid for input of size " +
                     std::to_string(numel()) + " (shape " + to_string(this->shape()) + ")");
  materialized(impl_);  // Flatten and friends read row-major order, as PyTorch's parity needs
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->shape = shape;
  Tensor out(impl);
  if (needs_graph({this})) {
    Shape input_shape = this->shape();
    record(out, "ViewBackward", {*this},
           [input_shape](const Tensor& g) { return std::vector<Tensor>{g.contiguous_view(input_shape)}; });
  }
  return out;
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  int64_t n = dim();
  if (n == 0) return view({1});
  int64_t s = start_dim < 0 ? start_dim + n : start_dim;
  int64_t e = end_dim < 0 ? end_dim + n : end_dim;
  if (s < 0 || e >= n || s > e)
    throw ShapeError("flatten(" + std::to_string(start_dim) + ", " + std::to_string(end_dim) +
                     ") is out of range for shape " + to_string(shape()));
  Shape out;
  for (int64_t i = 0; i < s; ++i) out.push_back(shape()[i]);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= shape()[i];
  out.push_back(merged);
  for (int64_t i = e + 1; i < n; ++i) out.push_back(shape()[i]);
  return view(out);
}

// A view for gradients: never records a graph (backward itself is not differentiated).
Tensor Tensor::contiguous_view(const Shape& shape) const {
  // The same shape keeps a blocked layout (detach); another shape needs row-major order.
  if (checked(impl_).layout == Layout::Blocked && shape != impl_->shape) materialized(impl_);
  auto impl = std::make_shared<TensorImpl>();
  impl->layout = impl_->layout;
  impl->backend_layout = impl_->backend_layout;
  impl->storage = checked(impl_).storage;
  impl->offset = impl_->offset;
  impl->shape = shape;
  return Tensor(impl);
}

Tensor Tensor::clone() const {
  Tensor out = blocked::empty(shape(), checked(impl_).backend_layout);
  std::memcpy(blocked::raw_data(out), blocked::raw_data(*this), sizeof(float) * blocked::storage_floats(*this));
  if (needs_graph({this}))
    record(out, "CloneBackward", {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor Tensor::detach() const { return contiguous_view(shape()); }

std::vector<int64_t> Tensor::argmax(int64_t d) const {
  int64_t n = dim();
  int64_t axis = d < 0 ? d + n : d;
  if (axis < 0 || axis >= n)
    throw ShapeError("argmax: dimension " + std::to_string(d) + " out of range for shape " + to_string(shape()));
  int64_t outer = 1, inner = 1, len = shape()[axis];
  for (int64_t i = 0; i < axis; ++i) outer *= shape()[i];
  for (int64_t i = axis + 1; i < n; ++i) inner *= shape()[i];
  std::vector<int64_t> result(outer * inner, 0);
  const float* p = data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      float best_value = p[o * len * inner + i];
      for (int64_t k = 1; k < len; ++k) {
        float v = p[(o * len + k) * inner + i];
        // The first maximum wins, and NaN counts as the maximum, as in PyTorch.
        if (v > best_value || (std::isnan(v) && !std::isnan(best_value))) {
          best_value = v;
          best = k;
        }
      }
      result[o * inner + i] = best;
    }
  return result;
}

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::requires_grad_(bool value) {
  if (!is_leaf() && !value)
    throw Error("requires_grad_(false) on a non-leaf tensor; use detach() instead");
  checked(impl_).requires_grad = value;
  return *this;
}

bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }
Tensor Tensor::grad() const { return checked(impl_).grad; }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined() && g.shape() != shape())
    throw ShapeError("assigned grad of shape " + to_string(g.shape()) + " to a tensor of shape " +
                     to_string(shape()));
  checked(impl_).grad = g;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }
void Tensor::set_grad_fn(std::shared_ptr<Node> node) { checked(impl_).grad_fn = std::move(node); }

void Tensor::backward(const Tensor& grad_output) const { run_backward(*this, grad_output); }

Tensor& Tensor::zero_() { return fill_(0.0f); }

Tensor& Tensor::fill_(float value) {
  std::fill_n(data(), numel(), value);
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, float alpha) {
  if (other.shape() != shape())
    throw ShapeError("add_: shapes " + to_string(shape()) + " and " + to_string(other.shape()) + " differ");
  // Two tensors in the same blocked layout add element for element over their storage.
  const bool same = kernels::cpu::same_layout(blocked::layout_of(*this), blocked::layout_of(other));
  float* a = same ? blocked::raw_data(*this) : data();
  const float* b = same ? blocked::raw_data(other) : other.data();
  int64_t n = same ? blocked::storage_floats(*this) : numel();
  for (int64_t i = 0; i < n; ++i) a[i] += alpha * b[i];
  return *this;
}

Tensor& Tensor::mul_(float value) {
  float* a = data();
  int64_t n = numel();
  for (int64_t i = 0; i < n; ++i) a[i] *= value;
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  // Equal shapes, not merely equal sizes: a [3, 2] copied into a [2, 3] weight is a transposed
  // model that still runs. (PyTorch would broadcast; fovea has no broadcasting yet.)
  if (src.shape() != shape())
    throw ShapeError("copy_: source of shape " + to_string(src.shape()) + " into tensor of shape " +
                     to_string(shape()));
  std::memmove(data(), src.data(), sizeof(float) * numel());
  return *this;
}

Tensor zeros(const Shape& shape) { return full(shape, 0.0f); }
Tensor ones(const Shape& shape) { return full(shape, 1.0f); }

Tensor full(const Shape& shape, float value) {
  Tensor t = Tensor::empty(shape);
  t.fill_(value);
  return t;
}

Tensor zeros_like(const Tensor& t) { return zeros(t.shape()); }

Tensor rand(const Shape& shape, float low, float high) {
  Tensor t = Tensor::empty(shape);
  Generator& g = default_generator();
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = g.uniform(low, high);
  return t;
}

Tensor randn(const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  Generator& g = default_generator();
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = g.normal();
  return t;
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != numel(shape))
    throw ShapeError("from_vector: " + std::to_string(values.size()) + " values do not fill shape " +
                     to_string(shape));
  Tensor t = Tensor::empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor from_blob(float* data, const Shape& shape) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(data, numel(shape));
  impl->shape = shape;
  return Tensor(impl);
}

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  std::ostringstream os;
  os << "tensor(";
  if (t.numel() <= 64) {
    os << "[";
    for (int64_t i = 0; i < t.numel(); ++i) os << (i ? ", " : "") << t.data()[i];
    os << "], ";
  }
  os << "shape=" << to_string(t.shape()) << ")";
  return os.str();
}

}  // namespace fovea
