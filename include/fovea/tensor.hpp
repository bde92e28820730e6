#pragma once
// Tensor: an n-d array with shared, strided storage, in the spirit of torch.Tensor.
//
// A Tensor is a cheap handle (one shared_ptr) to its implementation (src/tensor/tensor_impl.hpp,
// internal). Copying a Tensor shares the data, as in PyTorch; `clone()` copies it.
//
// Elements are float32 (the compute type), int64 (labels, indices) or bool (masks). Each tensor
// has a shape, strides (in elements) and an offset into its storage, so views (`permute`,
// `transpose`, `expand`, `slice`, `select`, ...) share the storage of their base as in PyTorch and
// writes through one show in the other. `is_contiguous()` says whether the strides are row-major;
// `contiguous()` returns the tensor itself when they are and a row-major copy otherwise.
//
// The methods that build views and copies are differentiable: they are declared here, where a
// PyTorch user looks for them, and defined with the ops (src/ops/), which record the autograd
// graph. The tensor layer itself (src/tensor/) knows storage, shapes and strides, not autograd:
// it only holds the slots (requires_grad, grad, grad_fn) that autograd fills, as PyTorch's
// TensorImpl holds its AutogradMeta.
//
// Room for growth without touching the layers above:
//  * `Device` says where the storage lives. Only CPU exists today; a CUDA storage slots in beside it.
//  * `Layout` says how the elements are ordered in memory: `Strided` (shape and strides, what every
//    accessor shows) or `Blocked`, a backend layout such as oneDNN's nChw16c that the convolution
//    and pooling kernels pass between themselves without reordering. A blocked tensor is converted
//    to row-major, in place and once, the first time anything asks for its elements, so the layout
//    never changes what a program sees; only ops that understand the backend layout read it as is.
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace fovea {

class Node;            // defined in autograd.hpp
struct BackendLayout;  // opaque; defined by the kernels that produce it
struct TensorImpl;     // internal: src/tensor/tensor_impl.hpp

enum class Device { CPU, CUDA };
enum class Layout { Strided, Blocked };
// Element types, as torch.float32, torch.int64 and torch.bool.
enum class Dtype : uint8_t { Float32, Int64, Bool };
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kBool = Dtype::Bool;

using Shape = std::vector<int64_t>;

std::string to_string(const Shape& shape);  // "[128, 1, 28, 28]"
const char* to_string(Dtype dtype);         // "float32", "int64", "bool"
int64_t element_size(Dtype dtype);          // bytes: 4, 8, 1
int64_t numel(const Shape& shape);

// The C++ type of each dtype's elements (bool tensors hold one byte per element, 0 or 1).
template <typename T>
constexpr Dtype dtype_of();
template <>
constexpr Dtype dtype_of<float>() { return kFloat32; }
template <>
constexpr Dtype dtype_of<int64_t>() { return kInt64; }
template <>
constexpr Dtype dtype_of<bool>() { return kBool; }

// A block of memory, 64-byte aligned so that SIMD kernels may assume alignment.
struct Storage {
  Storage(int64_t nbytes, Device device = Device::CPU);
  // Borrowed memory (from_blob): not freed by the storage.
  Storage(void* borrowed, int64_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data = nullptr;
  int64_t nbytes = 0;
  Device device = Device::CPU;
  bool owned = true;
  // Bumped by every in-place write through any tensor on this storage, so that autograd can tell
  // when a tensor saved for backward has been overwritten (PyTorch's version counter).
  uint64_t version = 0;
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor, like torch.Tensor() before assignment of data
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Uninitialised row-major storage: for kernels that write every element.
  static Tensor empty(const Shape& shape, Dtype dtype = kFloat32);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& sizes() const { return shape(); }
  // Element strides, one per dimension (row-major for a new tensor: [C*H*W, H*W, W, 1]).
  const Shape& strides() const;
  int64_t stride(int64_t d) const;
  int64_t storage_offset() const;  // in elements
  int64_t dim() const;
  int64_t size(int64_t d) const;  // negative d counts from the end, as in PyTorch
  int64_t numel() const;
  Dtype dtype() const;
  Device device() const;
  Layout layout() const;
  bool is_contiguous() const;
  bool is_floating_point() const { return dtype() == kFloat32; }

  // Row-major float32 data: the tensor must be float32 and contiguous (call contiguous() first);
  // converts a Blocked tensor to Strided (not thread-safe for that tensor).
  float* data();
  const float* data() const;
  // Pointer to the first element, for any layout of strides; T must match the dtype.
  template <typename T>
  T* data_ptr() const;

  // Value of a one-element tensor, as float or as T (`t.item<int64_t>()`).
  float item() const;
  template <typename T>
  T item() const;
  // Flat (row-major) element access, for tests and small tools (bounds-checked), as float.
  float at(int64_t flat_index) const;
  // The elements in row-major order, converted to float / to T.
  std::vector<float> to_vector() const;
  template <typename T>
  std::vector<T> to_vector() const;

  // ---- conversions (differentiable where the result is float32) ----
  // This tensor when it already has the dtype, else a converted copy (float -> int64 truncates
  // toward zero, anything -> bool is `!= 0`), as Tensor.to(dtype).
  Tensor to(Dtype dtype) const;

  // ---- views and copies (differentiable; defined in src/ops/shape.cpp) ----
  // -1 in one position is inferred. view() needs strides that allow it (a contiguous tensor
  // always does); reshape() copies when they do not.
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;  // transpose of a 2-D tensor (a 0-D or 1-D one unchanged)
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;  // every dimension of size 1
  Tensor squeeze(int64_t dim) const;
  // Broadcasts dimensions of size 1 (and adds leading ones) without copying; -1 keeps a size.
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.shape()); }
  // Elements start, start+step, ... < end along dim (Python's t[..., start:end:step]); start and
  // end are clamped to the dimension and may be negative, as in Python.
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  // Removes `dim`, keeping index `index` of it (negative counts from the end).
  Tensor select(int64_t dim, int64_t index) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor masked_fill(const Tensor& mask, float value) const;
  Tensor flip(const Shape& dims) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(const Shape& split_sizes, int64_t dim) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  // A tensor sharing data but cut from the graph.
  Tensor detach() const;

  // ---- reductions as methods (defined with the ops) ----
  // Index of the largest element along `dim`: an int64 tensor without that dimension.
  Tensor argmax(int64_t dim, bool keepdim = false) const;

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool value = true);
  bool is_leaf() const;
  // The accumulated gradient of a leaf (undefined until a backward reaches it).
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  const std::shared_ptr<Node>& grad_fn() const;
  void set_grad_fn(std::shared_ptr<Node> node);
  // Reverse-mode backward from a scalar (or with an explicit output gradient).
  void backward(const Tensor& grad_output = Tensor()) const;

  // ---- in-place arithmetic (differentiable: defined in src/ops/elementwise.cpp) ----
  // PyTorch's rules: an in-place op on a leaf that requires grad is an error while grad mode is on,
  // and a tensor saved for a backward and then changed in place makes that backward an error.
  Tensor& zero_();
  Tensor& fill_(float value);
  Tensor& add_(const Tensor& other, float alpha = 1.0f);  // this += alpha * other (broadcast)
  Tensor& add_(float value);
  Tensor& sub_(const Tensor& other, float alpha = 1.0f);
  Tensor& sub_(float value);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(float value);
  Tensor& div_(const Tensor& other);
  Tensor& div_(float value);
  Tensor& clamp_(float min, float max);
  Tensor& relu_();
  Tensor& masked_fill_(const Tensor& mask, float value);
  // Copies src (broadcast to this shape, converted to this dtype) into this tensor's elements.
  Tensor& copy_(const Tensor& src);

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// ---- factories (row-major, contiguous) ----
Tensor zeros(const Shape& shape, Dtype dtype = kFloat32);
Tensor ones(const Shape& shape, Dtype dtype = kFloat32);
Tensor full(const Shape& shape, float value, Dtype dtype = kFloat32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor empty_like(const Tensor& t);
// 0, 1, ..., end-1 and start, start+step, ... < end, as torch.arange (int64 unless a float dtype).
Tensor arange(int64_t end, Dtype dtype = kInt64);
Tensor arange(double start, double end, double step = 1.0, Dtype dtype = kFloat32);
// Uniform on [low, high) and standard normal, drawn from fovea's global generator (see random.hpp).
Tensor rand(const Shape& shape, float low = 0.0f, float high = 1.0f);
Tensor randn(const Shape& shape);
// Copies `values` (row-major) into a new tensor of `shape`: float32, int64 or bool by the vector's
// element type. A braced list of numbers, from_vector({1, 2}, {2}), is float32.
Tensor from_vector(const std::vector<float>& values, const Shape& shape);
template <typename T>
  requires(std::is_same_v<T, int64_t> || std::is_same_v<T, bool>)
Tensor from_vector(const std::vector<T>& values, const Shape& shape);
// A 1-D tensor of `values`, as torch.tensor({...}): integers give int64, floating point float32,
// bool bool. `cross_entropy(logits, tensor({3, 0, 1}))`.
template <typename T>
Tensor tensor(std::initializer_list<T> values) {
  const Shape shape{static_cast<int64_t>(values.size())};
  if constexpr (std::is_same_v<T, bool>)
    return from_vector(std::vector<bool>(values), shape);
  else if constexpr (std::is_integral_v<T>)
    return from_vector(std::vector<int64_t>(values.begin(), values.end()), shape);
  else
    return from_vector(std::vector<float>(values.begin(), values.end()), shape);
}
// Wraps caller-owned float memory without copying; the caller keeps it alive while the tensor lives.
Tensor from_blob(float* data, const Shape& shape);

// Printed as PyTorch prints: "tensor([[0.1000, 0.2000], ...])", summarised with "..." when a
// tensor has more than 1000 elements, with dtype and grad_fn noted as PyTorch notes them.
std::string to_string(const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::ostream& operator<<(std::ostream& os, Dtype dtype);

// Named tensors in a fixed order: a module's or an optimizer's state, a safetensors file's
// contents. Ordered, as PyTorch's state_dict (an OrderedDict) is.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

}  // namespace fovea
