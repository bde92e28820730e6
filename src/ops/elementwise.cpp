// Elementwise arithmetic, reductions and ReLU with their gradients.
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/blocked.hpp"

namespace fovea {

using ops_detail::check_same_shape;

namespace {

template <typename F>
Tensor map2(const Tensor& a, const Tensor& b, F f) {
  Tensor out = Tensor::empty(a.shape());
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = out.data();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) po[i] = f(pa[i], pb[i]);
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "add");
  Tensor out = map2(a, b, [](float x, float y) { return x + y; });
  if (needs_graph({&a, &b}))
    record(out, "AddBackward", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, g}; });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "sub");
  Tensor out = map2(a, b, [](float x, float y) { return x - y; });
  if (needs_graph({&a, &b}))
    record(out, "SubBackward", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, mul(g, -1.0f)}; });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "mul");
  Tensor out = map2(a, b, [](float x, float y) { return x * y; });
  if (needs_graph({&a, &b}))
    record(out, "MulBackward", {a, b}, [a, b](const Tensor& g) {
      return std::vector<Tensor>{mul(g, b), mul(g, a)};
    });
  return out;
}

Tensor mul(const Tensor& a, float s) {
  Tensor out = Tensor::empty(a.shape());
  const float* pa = a.data();
  float* po = out.data();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) po[i] = pa[i] * s;
  if (needs_graph({&a}))
    record(out, "MulScalarBackward", {a}, [s](const Tensor& g) { return std::vector<Tensor>{mul(g, s)}; });
  return out;
}

Tensor sum(const Tensor& a) {
  // Accumulate in double: the result must not depend on how many elements there are.
  double total = 0.0;
  const float* p = a.data();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) total += p[i];
  Tensor out = full({}, static_cast<float>(total));
  if (needs_graph({&a})) {
    Shape shape = a.shape();
    record(out, "SumBackward", {a}, [shape](const Tensor& g) { return std::vector<Tensor>{full(shape, g.item())}; });
  }
  return out;
}

Tensor mean(const Tensor& a) {
  if (a.numel() == 0) throw ShapeError("mean of an empty tensor");
  return mul(sum(a), 1.0f / static_cast<float>(a.numel()));
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator*(const Tensor& a, float s) { return mul(a, s); }

Tensor ops_detail::relu_grad(const Tensor& y, const Tensor& g) {
  if (!kernels::cpu::same_layout(blocked::layout_of(g), blocked::layout_of(y))) {
    Tensor gx = Tensor::empty(y.shape());
    kernels::cpu::relu_backward(y.numel(), y.data(), g.data(), gx.data());
    return gx;
  }
  // In place when the engine's handle is the only one on this gradient (the common case): one
  // buffer the size of the activation fewer.
  const bool sole_owner = g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1;
  Tensor gx = sole_owner ? g : blocked::empty(y.shape(), y.impl()->backend_layout);
  kernels::cpu::relu_backward(blocked::storage_floats(y), blocked::raw_data(y), blocked::raw_data(g),
                              blocked::raw_data(gx));
  return gx;
}

Tensor relu(const Tensor& x) {
  // Elementwise, so any layout will do: the output keeps the input's (padding stays zero).
  Tensor y = blocked::empty(x.shape(), x.impl()->backend_layout);
  kernels::cpu::relu_forward(blocked::storage_floats(x), blocked::raw_data(x), blocked::raw_data(y));
  if (needs_graph({&x})) {
    // Save the output, not the input: y > 0 exactly where x > 0, and y is needed anyway downstream.
    Tensor saved = y.detach();
    record(y, "ReluBackward", {x},
           [saved](const Tensor& g) { return std::vector<Tensor>{ops_detail::relu_grad(saved, g)}; });
  }
  return y;
}

}  // namespace fovea
