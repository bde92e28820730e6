#pragma once
// How the elementwise ops (elementwise.cpp, math.cpp, activation.cpp, comparison.cpp,
// inplace.cpp) drive the row kernels of kernels/cpu: broadcasting and strides are resolved by
// for_each_row into rows; a row whose operands are consecutive (or a repeated scalar) goes to the
// kernel as it is, any other row is gathered into small consecutive buffers first, so every op has
// one implementation of its arithmetic, the vectorised one.
//
// Threads: for_each_row splits rows across threads; a single long row (every contiguous tensor is
// one row) is split here into consecutive ranges instead, so a 1M-element op uses every core.
#include <algorithm>
#include <array>
#include <cstdint>

#include "fovea/ops.hpp"
#include "fovea/tensor.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/strided_loop.hpp"
#include "ops/op_helpers.hpp"

namespace fovea::ops_detail {

// Elements gathered per step for a strided row: small enough for the stack, long enough to
// amortise the kernel call.
inline constexpr int64_t kGatherChunk = 256;

// f(begin, end) over [0, n), on several threads when the row alone is worth it. Inside a
// parallel region (rows already split) parallel_for runs it on the calling thread.
template <typename F>
void split_row(int64_t n, F f) {
  if (n > kernels::cpu::kGrainSize)
    kernels::cpu::parallel_for(n, 1, f);
  else
    f(0, n);
}

// out = kernel(x) elementwise; kernel(n, const In*, Out*) over consecutive elements. `out` has
// x's shape (it may be x itself: in place).
template <typename In, typename Out, typename Kernel>
void map1(const Tensor& out, const Tensor& x, Kernel kernel) {
  for_each_row<2>(out, {out, x}, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    if (s[0] == int64_t{sizeof(Out)} && s[1] == int64_t{sizeof(In)}) {
      split_row(n, [&](int64_t b, int64_t e) {
        kernel(e - b, reinterpret_cast<const In*>(p[1]) + b, reinterpret_cast<Out*>(p[0]) + b);
      });
      return;
    }
    In xb[kGatherChunk];
    Out yb[kGatherChunk];
    for (int64_t i0 = 0; i0 < n; i0 += kGatherChunk) {
      const int64_t m = std::min(kGatherChunk, n - i0);
      for (int64_t j = 0; j < m; ++j) xb[j] = *reinterpret_cast<const In*>(p[1] + (i0 + j) * s[1]);
      kernel(m, xb, yb);
      for (int64_t j = 0; j < m; ++j) *reinterpret_cast<Out*>(p[0] + (i0 + j) * s[0]) = yb[j];
    }
  });
}

// out = kernel(a, b) elementwise over out's shape, a and b broadcast to it;
// kernel(n, const A* a, int64_t a_step, const B* b, int64_t b_step, Out* out) with steps 0 or 1.
template <typename A, typename B, typename Out, typename Kernel>
void map2(const Tensor& out, const Tensor& a, const Tensor& b, Kernel kernel) {
  for_each_row<3>(out, {out, a, b}, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    const int64_t sa = s[1] / int64_t{sizeof(A)}, sb = s[2] / int64_t{sizeof(B)};
    const bool a_ok = s[1] == 0 || s[1] == int64_t{sizeof(A)}, b_ok = s[2] == 0 || s[2] == int64_t{sizeof(B)};
    if (s[0] == int64_t{sizeof(Out)} && a_ok && b_ok) {
      split_row(n, [&](int64_t lo, int64_t hi) {
        kernel(hi - lo, reinterpret_cast<const A*>(p[1]) + lo * sa, sa, reinterpret_cast<const B*>(p[2]) + lo * sb, sb,
               reinterpret_cast<Out*>(p[0]) + lo);
      });
      return;
    }
    A ab[kGatherChunk];
    B bb[kGatherChunk];
    Out ob[kGatherChunk];
    for (int64_t i0 = 0; i0 < n; i0 += kGatherChunk) {
      const int64_t m = std::min(kGatherChunk, n - i0);
      const A* pa = reinterpret_cast<const A*>(p[1] + i0 * s[1]);
      const B* pb = reinterpret_cast<const B*>(p[2] + i0 * s[2]);
      if (s[1] != 0) {
        for (int64_t j = 0; j < m; ++j) ab[j] = *reinterpret_cast<const A*>(p[1] + (i0 + j) * s[1]);
        pa = ab;
      }
      if (s[2] != 0) {
        for (int64_t j = 0; j < m; ++j) bb[j] = *reinterpret_cast<const B*>(p[2] + (i0 + j) * s[2]);
        pb = bb;
      }
      kernel(m, pa, s[1] != 0 ? 1 : 0, pb, s[2] != 0 ? 1 : 0, ob);
      for (int64_t j = 0; j < m; ++j) *reinterpret_cast<Out*>(p[0] + (i0 + j) * s[0]) = ob[j];
    }
  });
}

// The float32 ops through the dispatched kernels; x, a, b must be float32 (checked by the op).
inline void unary_into(const Tensor& out, const Tensor& x, kernels::UnaryOp op, float p = 0.0f, float q = 0.0f) {
  map1<float, float>(out, x,
                     [=](int64_t n, const float* in, float* o) { kernels::cpu::unary_forward(op, n, in, o, p, q); });
}

inline Tensor unary(const Tensor& x, kernels::UnaryOp op, float p = 0.0f, float q = 0.0f) {
  Tensor out = Tensor::empty(x.shape());
  unary_into(out, x, op, p, q);
  return out;
}

inline void binary_into(const Tensor& out, const Tensor& a, const Tensor& b, kernels::BinaryOp op, float p = 1.0f,
                        float q = 0.0f) {
  map2<float, float, float>(out, a, b,
                            [=](int64_t n, const float* x, int64_t sx, const float* y, int64_t sy, float* o) {
                              kernels::cpu::binary_forward(op, n, x, sx, y, sy, o, p, q);
                            });
}

// a (op) b over their broadcast shape; `name` is the op named in a shape error.
inline Tensor binary(const Tensor& a, const Tensor& b, kernels::BinaryOp op, const char* name, float p = 1.0f,
                     float q = 0.0f) {
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name));
  binary_into(out, a, b, op, p, q);
  return out;
}

}  // namespace fovea::ops_detail
