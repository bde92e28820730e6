// Comparisons (eq, ne, lt, le, gt, ge and their operators) and logical_not/and/or: bool results,
// broadcasting, no gradient.
//
// Dtypes as PyTorch promotes them: a float32 operand makes the comparison float32 (int64 values
// converted); otherwise both sides compare as int64, exactly (bool as 0 and 1). An int64 tensor
// against a float scalar compares the exact values: 2^53 + 1 > 2^53 holds, and 2 < 2.5 too.
#include <cmath>
#include <cstdint>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "ops/elementwise_loop.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

using kernels::CompareOp;

namespace {

const char* name_of(CompareOp op) {
  switch (op) {
    case CompareOp::Eq:
      return "eq";
    case CompareOp::Ne:
      return "ne";
    case CompareOp::Lt:
      return "lt";
    case CompareOp::Le:
      return "le";
    case CompareOp::Gt:
      return "gt";
    case CompareOp::Ge:
      return "ge";
  }
  return "compare";
}

Tensor compare(const Tensor& a, const Tensor& b, CompareOp op) {
  const char* name = name_of(op);
  FOVEA_CHECK(a.defined() && b.defined(), Error, name, ": an argument is undefined");
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), kBool);
  if (a.dtype() == kFloat32 || b.dtype() == kFloat32) {
    ops_detail::map2<float, float, bool>(out, a.to(kFloat32), b.to(kFloat32),
                                         [op](int64_t n, const float* x, int64_t sx, const float* y, int64_t sy,
                                              bool* o) { kernels::cpu::compare_float(op, n, x, sx, y, sy, o); });
  } else {
    ops_detail::map2<int64_t, int64_t, bool>(out, a.to(kInt64), b.to(kInt64),
                                             [op](int64_t n, const int64_t* x, int64_t sx, const int64_t* y, int64_t sy,
                                                  bool* o) { kernels::cpu::compare_int64(op, n, x, sx, y, sy, o); });
  }
  return out;
}

// An integer tensor against a float scalar s, exactly: against floor(s) as an int64, with the
// comparison adjusted when s has a fraction, and constant results when s is NaN or beyond int64.
Tensor compare_integer_with_scalar(const Tensor& a, double s, CompareOp op) {
  const auto constant = [&](bool value) { return full(a.shape(), value ? 1.0f : 0.0f, kBool); };
  const bool less = op == CompareOp::Lt || op == CompareOp::Le, greater = op == CompareOp::Gt || op == CompareOp::Ge;
  if (std::isnan(s)) return constant(op == CompareOp::Ne);
  if (s >= 9223372036854775808.0) return constant(less || op == CompareOp::Ne);  // every int64 is below
  if (s < -9223372036854775808.0) return constant(greater || op == CompareOp::Ne);
  const double f = std::floor(s);
  if (f != s) {
    // floor(s) < s < floor(s) + 1: v < s iff v <= floor(s), v > s iff v > floor(s); never equal.
    if (op == CompareOp::Eq || op == CompareOp::Ne) return constant(op == CompareOp::Ne);
    op = less ? CompareOp::Le : CompareOp::Gt;
  }
  return compare(a, from_vector(std::vector<int64_t>{static_cast<int64_t>(f)}, Shape{}), op);
}

Tensor compare_scalar(const Tensor& a, float s, CompareOp op) {
  FOVEA_CHECK(a.defined(), Error, name_of(op), ": the input is undefined");
  if (a.dtype() == kFloat32) return compare(a, full({}, s), op);
  return compare_integer_with_scalar(a, s, op);
}

// A bool tensor that is true where t is not zero (NaN counts as not zero), as Python's truth.
Tensor truth(const Tensor& t, const char* op) {
  FOVEA_CHECK(t.defined(), Error, op, ": an argument is undefined");
  return t.to(kBool);
}

template <typename F>
Tensor logical(const Tensor& a, const Tensor& b, const char* op, F f) {
  const Tensor x = truth(a, op), y = truth(b, op);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op), kBool);
  ops_detail::map2<bool, bool, bool>(out, x, y,
                                     [f](int64_t n, const bool* p, int64_t sp, const bool* q, int64_t sq, bool* o) {
                                       for (int64_t i = 0; i < n; ++i) o[i] = f(p[i * sp], q[i * sq]);
                                     });
  return out;
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Eq); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Ne); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Lt); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Le); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Gt); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(a, b, CompareOp::Ge); }
Tensor eq(const Tensor& a, float s) { return compare_scalar(a, s, CompareOp::Eq); }
Tensor ne(const Tensor& a, float s) { return compare_scalar(a, s, CompareOp::Ne); }
Tensor lt(const Tensor& a, float s) { return compare_scalar(a, s, CompareOp::Lt); }
Tensor le(const Tensor& a, float s) { return compare_scalar(a, s, CompareOp::Le); }
Tensor gt(const Tensor& a, float s) { return compare_scalar(a, s, CompareOp::Gt); }
Tensor ge(const Tensor& a, float s) { return compare_scalar(a, s, CompareOp::Ge); }

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, float s) { return eq(a, s); }
Tensor operator!=(const Tensor& a, float s) { return ne(a, s); }
Tensor operator<(const Tensor& a, float s) { return lt(a, s); }
Tensor operator<=(const Tensor& a, float s) { return le(a, s); }
Tensor operator>(const Tensor& a, float s) { return gt(a, s); }
Tensor operator>=(const Tensor& a, float s) { return ge(a, s); }

Tensor logical_not(const Tensor& x) {
  const Tensor t = truth(x, "logical_not");
  Tensor out = Tensor::empty(t.shape(), kBool);
  ops_detail::map1<bool, bool>(out, t, [](int64_t n, const bool* p, bool* o) {
    for (int64_t i = 0; i < n; ++i) o[i] = !p[i];
  });
  return out;
}

Tensor logical_and(const Tensor& a, const Tensor& b) {
  return logical(a, b, "logical_and", [](bool x, bool y) { return x && y; });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return logical(a, b, "logical_or", [](bool x, bool y) { return x || y; });
}

}  // namespace fovea
