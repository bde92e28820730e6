// Tensor storage, geometry (shape, strides, offset), dtypes, factories and element access. No
// autograd here: the differentiable methods are defined with the ops (src/ops/).
#include "fovea/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fovea/error.hpp"
#include "fovea/random.hpp"
#include "kernels/cpu/layout.hpp"
#include "kernels/cpu/strided_loop.hpp"
#include "tensor/allocator.hpp"
#include "tensor/blocked.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

const char* to_string(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "float32";
    case Dtype::Int64: return "int64";
    case Dtype::Bool: return "bool";
  }
  return "unknown dtype";
}

int64_t element_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return 4;
    case Dtype::Int64: return 8;
    case Dtype::Bool: return 1;
  }
  FOVEA_INTERNAL_ASSERT(false, "unknown dtype ", static_cast<int>(dtype));
}

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Storage::Storage(int64_t n, Device dev) : nbytes(n), device(dev) {
  if (dev != Device::CPU) throw Error("CUDA storage is not available in this build");
  data = detail::allocate_bytes(n);
}

Storage::Storage(void* borrowed, int64_t n) : data(borrowed), nbytes(n), owned(false) {}

Storage::~Storage() {
  if (owned) detail::release_bytes(data, nbytes);
}

namespace detail {

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t step = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  FOVEA_CHECK(impl, Error, "operation on an undefined tensor");
  return *impl;
}

TensorImpl& materialized(const std::shared_ptr<TensorImpl>& ptr) {
  TensorImpl& impl = checked(ptr);
  if (impl.layout == Layout::Blocked) {
    auto plain = std::make_shared<Storage>(fovea::numel(impl.shape) * int64_t{sizeof(float)});
    kernels::cpu::reorder_to_plain(*impl.backend_layout, static_cast<float*>(impl.storage->data) + impl.offset,
                                   static_cast<float*>(plain->data));
    impl.storage = std::move(plain);
    impl.offset = 0;
    impl.strides = contiguous_strides(impl.shape);
    impl.layout = Layout::Strided;
    impl.backend_layout.reset();
  }
  return impl;
}

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  const TensorImpl& from = materialized(base.impl_ptr());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = from.storage;
  impl->dtype = from.dtype;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->is_view = true;
  return Tensor(impl);
}

char* element_address(const TensorImpl& impl, int64_t offset) {
  return static_cast<char*>(impl.storage->data) + offset * element_size(impl.dtype);
}

}  // namespace detail

using detail::checked;
using detail::materialized;

namespace {

std::shared_ptr<TensorImpl> make_impl(const Shape& shape, Dtype dtype) {
  for (int64_t d : shape)
    FOVEA_CHECK(d >= 0, ShapeError, "tensor shape ", to_string(shape), " has a negative dimension");
  int64_t count = 1;
  for (int64_t d : shape) {
    // A shape whose element count overflows is refused before anything wraps.
    FOVEA_CHECK(d == 0 || count <= (int64_t{1} << 60) / d, OutOfMemoryError, "a tensor of shape ",
                to_string(shape), " cannot be allocated");
    count *= d;
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(count * element_size(dtype));
  impl->shape = shape;
  impl->strides = detail::contiguous_strides(shape);
  impl->dtype = dtype;
  return impl;
}

// A value read from a tensor element of any dtype, as double.
double read_element(const char* p, Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return *reinterpret_cast<const float*>(p);
    case Dtype::Int64: return static_cast<double>(*reinterpret_cast<const int64_t*>(p));
    case Dtype::Bool: return *reinterpret_cast<const bool*>(p) ? 1.0 : 0.0;
  }
  return 0;
}

// Byte strides of `t` seen as a tensor of shape `target`: t's shape must broadcast to it.
std::vector<int64_t> broadcast_byte_strides(const TensorImpl& t, const Shape& target) {
  std::vector<int64_t> out(target.size(), 0);
  const size_t lead = target.size() - t.shape.size();
  for (size_t d = 0; d < t.shape.size(); ++d)
    out[lead + d] = t.shape[d] == 1 ? 0 : t.strides[d] * element_size(t.dtype);
  return out;
}

template <typename To, typename From>
void convert_row(char* dst, int64_t dst_stride, const char* src, int64_t src_stride, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const From v = *reinterpret_cast<const From*>(src + i * src_stride);
    To out;
    if constexpr (std::is_same_v<To, bool>)
      out = v != From(0);
    else
      out = static_cast<To>(v);
    *reinterpret_cast<To*>(dst + i * dst_stride) = out;
  }
}

template <typename To>
void convert_row_from(Dtype from, char* dst, int64_t ds, const char* src, int64_t ss, int64_t n) {
  switch (from) {
    case Dtype::Float32: return convert_row<To, float>(dst, ds, src, ss, n);
    case Dtype::Int64: return convert_row<To, int64_t>(dst, ds, src, ss, n);
    case Dtype::Bool: return convert_row<To, bool>(dst, ds, src, ss, n);
  }
}

}  // namespace

namespace detail {

void copy_elements(const Tensor& dst, const Tensor& src) {
  TensorImpl& d = materialized(dst.impl_ptr());
  materialized(src.impl_ptr());
  // The same storage on both sides (t.copy_(t.flip(0))) could read elements already overwritten:
  // copy the source out first.
  Tensor source = src;
  if (d.storage == src.impl()->storage) {
    source = Tensor::empty(src.shape(), src.dtype());
    copy_elements(source, src);
  }
  const TensorImpl& s = *source.impl();
  FOVEA_INTERNAL_ASSERT(s.shape.size() <= d.shape.size());
  const Dtype from = s.dtype, to = d.dtype;
  const int64_t size = element_size(to);
  kernels::cpu::StridedLoop<2> loop(d.shape, {broadcast_byte_strides(d, d.shape), broadcast_byte_strides(s, d.shape)});
  const int64_t ds = loop.inner_stride(0), ss = loop.inner_stride(1);
  loop.run({element_address(d, d.offset), element_address(s, s.offset)}, [&](const std::array<char*, 2>& p, int64_t n) {
    if (from == to && ds == size && ss == size) {
      std::memcpy(p[0], p[1], static_cast<size_t>(n * size));
      return;
    }
    switch (to) {
      case Dtype::Float32: return convert_row_from<float>(from, p[0], ds, p[1], ss, n);
      case Dtype::Int64: return convert_row_from<int64_t>(from, p[0], ds, p[1], ss, n);
      case Dtype::Bool: return convert_row_from<bool>(from, p[0], ds, p[1], ss, n);
    }
  });
}

Tensor sum_of(const Tensor& a, const Tensor& b) {
  const BackendLayout* layout = checked(a.impl_ptr()).backend_layout.get();
  if (layout && (!b.defined() || kernels::cpu::same_layout(layout, b.impl()->backend_layout.get()))) {
    Tensor out = blocked::empty(a.shape(), a.impl()->backend_layout);
    float* o = blocked::raw_data(out);
    const float* pa = blocked::raw_data(a);
    const int64_t n = blocked::storage_floats(a);
    if (b.defined()) {
      const float* pb = blocked::raw_data(b);
      for (int64_t i = 0; i < n; ++i) o[i] = pa[i] + pb[i];
    } else {
      std::memcpy(o, pa, sizeof(float) * static_cast<size_t>(n));
    }
    return out;
  }
  Tensor out = Tensor::empty(a.shape());
  copy_elements(out, a);
  if (b.defined()) add_into(out, b);
  return out;
}

void add_into(const Tensor& dst, const Tensor& src) {
  FOVEA_INTERNAL_ASSERT(dst.shape() == src.shape() && dst.dtype() == kFloat32 && src.dtype() == kFloat32);
  if (kernels::cpu::same_layout(blocked::layout_of(dst), blocked::layout_of(src))) {
    if (blocked::layout_of(dst) || (dst.is_contiguous() && src.is_contiguous())) {
      float* a = blocked::raw_data(dst);
      const float* b = blocked::raw_data(src);
      for (int64_t i = 0, n = blocked::storage_floats(dst); i < n; ++i) a[i] += b[i];
      return;
    }
  }
  TensorImpl& d = materialized(dst.impl_ptr());
  TensorImpl& s = materialized(src.impl_ptr());
  std::vector<int64_t> dst_strides(d.shape.size());
  bool aliased = false;  // dst repeats elements (a stride of 0): rows must not run concurrently
  for (size_t i = 0; i < d.shape.size(); ++i) {
    dst_strides[i] = d.strides[i] * int64_t{sizeof(float)};
    aliased |= d.strides[i] == 0 && d.shape[i] > 1;
  }
  kernels::cpu::StridedLoop<2> loop(d.shape, {dst_strides, broadcast_byte_strides(s, d.shape)});
  const int64_t ds = loop.inner_stride(0), ss = loop.inner_stride(1);
  loop.run(
      {element_address(d, d.offset), element_address(s, s.offset)},
      [&](const std::array<char*, 2>& p, int64_t n) {
        for (int64_t i = 0; i < n; ++i)
          *reinterpret_cast<float*>(p[0] + i * ds) += *reinterpret_cast<const float*>(p[1] + i * ss);
      },
      !aliased);
}

}  // namespace detail

namespace blocked {

Tensor empty(const Shape& shape, const kernels::cpu::LayoutPtr& layout) {
  if (!layout) return Tensor::empty(shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(kernels::cpu::layout_storage_floats(*layout) * int64_t{sizeof(float)});
  impl->shape = shape;
  impl->strides = detail::contiguous_strides(shape);
  impl->layout = Layout::Blocked;
  impl->backend_layout = layout;
  return Tensor(impl);
}

const BackendLayout* layout_of(const Tensor& t) { return checked(t.impl_ptr()).backend_layout.get(); }

float* raw_data(const Tensor& t) {
  TensorImpl& impl = checked(t.impl_ptr());
  FOVEA_INTERNAL_ASSERT(impl.dtype == kFloat32 && (impl.layout == Layout::Blocked || t.is_contiguous()),
                        "raw_data of a ", to_string(impl.dtype), " tensor");
  return static_cast<float*>(impl.storage->data) + impl.offset;
}

int64_t storage_floats(const Tensor& t) {
  TensorImpl& impl = checked(t.impl_ptr());
  return impl.backend_layout ? kernels::cpu::layout_storage_floats(*impl.backend_layout) : fovea::numel(impl.shape);
}

}  // namespace blocked

Tensor Tensor::empty(const Shape& shape, Dtype dtype) { return Tensor(make_impl(shape, dtype)); }

const Shape& Tensor::shape() const { return checked(impl_).shape; }
const Shape& Tensor::strides() const { return materialized(impl_).strides; }
int64_t Tensor::storage_offset() const { return materialized(impl_).offset; }
int64_t Tensor::dim() const { return static_cast<int64_t>(shape().size()); }

int64_t Tensor::size(int64_t d) const {
  const int64_t n = dim();
  const int64_t i = d < 0 ? d + n : d;
  FOVEA_CHECK(i >= 0 && i < n, IndexError, "dimension ", d, " out of range for a tensor of shape ", to_string(shape()),
              " (expected to be in range of [", -n, ", ", n - 1, "])");
  return shape()[i];
}

int64_t Tensor::stride(int64_t d) const {
  size(d);  // checks d
  return strides()[d < 0 ? d + dim() : d];
}

int64_t Tensor::numel() const { return fovea::numel(shape()); }
Dtype Tensor::dtype() const { return checked(impl_).dtype; }
Device Tensor::device() const { return checked(impl_).storage->device; }
Layout Tensor::layout() const { return checked(impl_).layout; }

bool Tensor::is_contiguous() const {
  const TensorImpl& impl = checked(impl_);
  if (impl.layout == Layout::Blocked) return true;  // row-major once read
  int64_t expected = 1;
  for (size_t i = impl.shape.size(); i-- > 0;) {
    if (impl.shape[i] == 1) continue;  // any stride will do for a dimension of one
    if (impl.strides[i] != expected) return impl.shape[i] == 0 || fovea::numel(impl.shape) == 0;
    expected *= impl.shape[i];
  }
  return true;
}

namespace {

float* float_data(const std::shared_ptr<TensorImpl>& ptr) {
  TensorImpl& impl = materialized(ptr);
  FOVEA_CHECK(impl.dtype == kFloat32, TypeError, "data(): expected a float32 tensor, got ", to_string(impl.dtype),
              " (use data_ptr<T>() or to(kFloat32))");
  FOVEA_CHECK(Tensor(ptr).is_contiguous(), Error, "data(): the tensor of shape ", to_string(impl.shape),
              " and strides ", to_string(impl.strides), " is not contiguous (call contiguous() first)");
  return static_cast<float*>(impl.storage->data) + impl.offset;
}

}  // namespace

float* Tensor::data() { return float_data(impl_); }
const float* Tensor::data() const { return float_data(impl_); }

template <typename T>
T* Tensor::data_ptr() const {
  TensorImpl& impl = materialized(impl_);
  FOVEA_CHECK(impl.dtype == dtype_of<T>(), TypeError, "data_ptr<", to_string(dtype_of<T>()), ">() on a ",
              to_string(impl.dtype), " tensor");
  return reinterpret_cast<T*>(detail::element_address(impl, impl.offset));
}
template float* Tensor::data_ptr<float>() const;
template int64_t* Tensor::data_ptr<int64_t>() const;
template bool* Tensor::data_ptr<bool>() const;

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor plain = Tensor::empty(shape(), dtype_of<T>());
  detail::copy_elements(plain, *this);
  const T* p = plain.data_ptr<T>();
  return std::vector<T>(p, p + plain.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;

std::vector<float> Tensor::to_vector() const { return to_vector<float>(); }

template <typename T>
T Tensor::item() const {
  FOVEA_CHECK(numel() == 1, ShapeError, "item() needs a tensor with one element, got shape ", to_string(shape()));
  return static_cast<T>(read_element(detail::element_address(materialized(impl_), impl_->offset), dtype()));
}
template float Tensor::item<float>() const;
template int64_t Tensor::item<int64_t>() const;
template bool Tensor::item<bool>() const;

float Tensor::item() const { return item<float>(); }

float Tensor::at(int64_t i) const {
  FOVEA_CHECK(i >= 0 && i < numel(), IndexError, "index ", i, " out of range for ", numel(), " elements");
  const TensorImpl& impl = materialized(impl_);
  int64_t offset = impl.offset;
  for (size_t d = impl.shape.size(); d-- > 0;) {
    offset += (i % impl.shape[d]) * impl.strides[d];
    i /= impl.shape[d];
  }
  return static_cast<float>(read_element(detail::element_address(impl, offset), impl.dtype));
}

Tensor Tensor::to(Dtype target) const {
  if (target == dtype()) return *this;
  Tensor out = Tensor::empty(shape(), target);
  detail::copy_elements(out, *this);
  return out;  // a new dtype carries no gradient (only float32 is differentiable)
}

Tensor Tensor::detach() const {
  const TensorImpl& from = checked(impl_);
  auto impl = std::make_shared<TensorImpl>(
      TensorImpl{from.storage, from.offset, from.shape, from.strides, from.dtype, from.layout, from.backend_layout});
  return Tensor(impl);
}

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::requires_grad_(bool value) {
  FOVEA_CHECK(is_leaf() || value, Error, "requires_grad_(false) on a non-leaf tensor; use detach() instead");
  FOVEA_CHECK(!value || dtype() == kFloat32, TypeError, "only float32 tensors can require gradients, got a ",
              to_string(dtype()), " tensor");
  checked(impl_).requires_grad = value;
  return *this;
}

bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }
Tensor Tensor::grad() const { return checked(impl_).grad; }

void Tensor::set_grad(const Tensor& g) {
  FOVEA_CHECK(!g.defined() || g.shape() == shape(), ShapeError, "assigned grad of shape ", to_string(g.shape()),
              " to a tensor of shape ", to_string(shape()));
  checked(impl_).grad = g;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }
void Tensor::set_grad_fn(std::shared_ptr<Node> node) { checked(impl_).grad_fn = std::move(node); }

// ---- factories ----

Tensor zeros(const Shape& shape, Dtype dtype) { return full(shape, 0.0f, dtype); }
Tensor ones(const Shape& shape, Dtype dtype) { return full(shape, 1.0f, dtype); }

Tensor full(const Shape& shape, float value, Dtype dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  const int64_t n = t.numel();
  switch (dtype) {
    case Dtype::Float32: std::fill_n(t.data_ptr<float>(), n, value); break;
    case Dtype::Int64: std::fill_n(t.data_ptr<int64_t>(), n, static_cast<int64_t>(value)); break;
    case Dtype::Bool: std::fill_n(t.data_ptr<bool>(), n, value != 0.0f); break;
  }
  return t;
}

Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor empty_like(const Tensor& t) { return Tensor::empty(t.shape(), t.dtype()); }

Tensor arange(int64_t end, Dtype dtype) { return arange(0.0, static_cast<double>(end), 1.0, dtype); }

Tensor arange(double start, double end, double step, Dtype dtype) {
  FOVEA_CHECK(step != 0.0 && std::isfinite(start) && std::isfinite(end) && std::isfinite(step), ValueError,
              "arange: expected finite bounds and a non-zero step, got start ", start, ", end ", end, ", step ", step);
  FOVEA_CHECK((end - start) / step >= 0 || start == end, ValueError, "arange: the step ", step,
              " does not lead from ", start, " to ", end);
  const int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = Tensor::empty({std::max<int64_t>(n, 0)}, dtype);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = start + static_cast<double>(i) * step;
    switch (dtype) {
      case Dtype::Float32: t.data_ptr<float>()[i] = static_cast<float>(v); break;
      case Dtype::Int64: t.data_ptr<int64_t>()[i] = static_cast<int64_t>(v); break;
      case Dtype::Bool: t.data_ptr<bool>()[i] = v != 0.0; break;
    }
  }
  return t;
}

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

namespace {

template <typename T, typename Values>
Tensor tensor_from(const Values& values, const Shape& shape) {
  FOVEA_CHECK(static_cast<int64_t>(values.size()) == numel(shape), ShapeError, "from_vector: ", values.size(),
              " values do not fill shape ", to_string(shape));
  Tensor t = Tensor::empty(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data_ptr<T>());
  return t;
}

}  // namespace

Tensor from_vector(const std::vector<float>& values, const Shape& shape) { return tensor_from<float>(values, shape); }
template <typename T>
  requires(std::is_same_v<T, int64_t> || std::is_same_v<T, bool>)
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  return tensor_from<T>(values, shape);
}
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);
template Tensor from_vector<bool>(const std::vector<bool>&, const Shape&);

Tensor from_blob(float* data, const Shape& shape) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<void*>(data), numel(shape) * int64_t{sizeof(float)});
  impl->shape = shape;
  impl->strides = detail::contiguous_strides(shape);
  return Tensor(impl);
}

}  // namespace fovea
