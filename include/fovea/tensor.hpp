#pragma once
// Tensor: a float32 n-d array with shared storage, in the spirit of torch.Tensor.
//
// A Tensor is a cheap handle (one shared_ptr) to a TensorImpl. Copying a Tensor shares the data,
// as in PyTorch; `clone()` copies it. Views (`view`, `reshape`, `flatten`) share the storage with
// their base and record an autograd node so gradients flow through them.
//
// Room for growth without touching the layers above:
//  * `Device` says where the storage lives. Only CPU exists today; a CUDA storage slots in beside it.
//  * `Layout` says how the elements are ordered in memory: `Strided` (contiguous, row-major, what
//    every accessor shows) or `Blocked`, a backend layout such as oneDNN's nChw16c that the
//    convolution and pooling kernels pass between themselves without reordering. A blocked tensor
//    is converted to row-major, in place and once, the first time anything asks for `data()`
//    (or a view, an element, ...), so the layout never changes what a program sees; only ops that
//    understand the backend layout read it as it is.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fovea {

class Node;           // defined in autograd.hpp
struct BackendLayout;  // opaque; defined by the kernels that produce it

enum class Device { CPU, CUDA };
enum class Layout { Strided, Blocked };

using Shape = std::vector<int64_t>;

std::string to_string(const Shape& shape);  // "[128, 1, 28, 28]"
int64_t numel(const Shape& shape);

// A block of float32 memory, 64-byte aligned so that SIMD kernels may assume alignment.
struct Storage {
  explicit Storage(int64_t count, Device device = Device::CPU);
  // Borrowed memory (from_blob): not freed by the storage.
  Storage(float* borrowed, int64_t count);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  float* data = nullptr;
  int64_t count = 0;
  Device device = Device::CPU;
  bool owned = true;
};

struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor, like torch.Tensor() before assignment of data
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Uninitialised storage: for kernels that write every element.
  static Tensor empty(const Shape& shape);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end, as in PyTorch
  int64_t numel() const;
  Device device() const;
  Layout layout() const;

  // Row-major data; converts a Blocked tensor to Strided first (not thread-safe for that tensor).
  float* data();
  const float* data() const;

  // Value of a one-element tensor.
  float item() const;
  // Flat element access, for tests and small tools (bounds-checked).
  float at(int64_t flat_index) const;
  std::vector<float> to_vector() const;

  // ---- views and copies (differentiable) ----
  // -1 in one position is inferred, as in PyTorch.
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const { return view(shape); }
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor clone() const;
  // The same storage under another shape with no graph recorded (for use inside backward functions).
  Tensor contiguous_view(const Shape& shape) const;
  // A tensor sharing data but cut from the graph.
  Tensor detach() const;

  // Index of the largest element along `dim` (keepdim=false); returns int64 indices.
  std::vector<int64_t> argmax(int64_t dim) const;

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

  // ---- in-place arithmetic without autograd (for optimizers and gradient accumulation) ----
  Tensor& zero_();
  Tensor& fill_(float value);
  Tensor& add_(const Tensor& other, float alpha = 1.0f);  // this += alpha * other
  Tensor& mul_(float value);
  Tensor& copy_(const Tensor& src);

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements, for views into a larger storage
  Shape shape;
  Layout layout = Layout::Strided;
  std::shared_ptr<const BackendLayout> backend_layout;  // set when layout == Blocked
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
};

// ---- factories ----
Tensor zeros(const Shape& shape);
Tensor ones(const Shape& shape);
Tensor full(const Shape& shape, float value);
Tensor zeros_like(const Tensor& t);
// Uniform on [low, high) and standard normal, drawn from fovea's global generator (see random.hpp).
Tensor rand(const Shape& shape, float low = 0.0f, float high = 1.0f);
Tensor randn(const Shape& shape);
// Copies `values` (row-major) into a new tensor of `shape`.
Tensor from_vector(const std::vector<float>& values, const Shape& shape);
// Wraps caller-owned memory without copying; the caller keeps it alive while the tensor lives.
Tensor from_blob(float* data, const Shape& shape);

// "tensor([[0.1, 0.2], ...], shape=[2, 2])" for small tensors; shape only for large ones.
std::string to_string(const Tensor& t);

// Named tensors in a fixed order: a module's or an optimizer's state, a safetensors file's
// contents. Ordered, as PyTorch's state_dict (an OrderedDict) is.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

}  // namespace fovea
