// Matrix products: mm, addmm, bmm and matmul, through oneDNN's sgemm (kernels::cpu::gemm).
//
// sgemm reads a row-major matrix either as it is or transposed, so an operand that is the
// transpose of a row-major matrix (x.t(), x.transpose(1, 2), the saved operands in backward)
// goes in without a copy; other strides are copied to row-major first. A batch dimension may
// have any stride, 0 included, so a batch broadcast by expand() is never copied.
//
// Gradients, for C = A B: dA = dC B^T and dB = A^T dC. matmul is composed of mm/bmm, reshape and
// expand, whose gradients sum a broadcast batch back to its operand's shape.
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

namespace {

// Batches of matrices as sgemm reads them: matrix i starts at data + i * batch_stride and is
// row-major, or the transpose of a row-major one when `trans`.
struct GemmOperand {
  Tensor holder;  // keeps the elements alive (a copy when the strides did not suit sgemm)
  const float* data;
  int64_t batch_stride;
  bool trans;
};

// `m` is [batch, rows, cols] (float32).
GemmOperand gemm_operand(const Tensor& m) {
  const int64_t rows = m.size(1), cols = m.size(2), s_row = m.stride(1), s_col = m.stride(2);
  const bool row_major = (cols <= 1 || s_col == 1) && (rows <= 1 || s_row == cols);
  const bool transposed = (rows <= 1 || s_row == 1) && (cols <= 1 || s_col == rows);
  if (m.layout() == Layout::Strided && (row_major || transposed))
    return {m, m.data_ptr<float>(), m.stride(0), !row_major};
  Tensor copy = m.contiguous();
  return {copy, copy.data(), rows * cols, false};
}

// c[i] = alpha * a[i] b[i] + beta * c[i] for a [B, n, k], b [B, k, m] into the row-major c
// [B, n, m] (its elements are read only when beta != 0).
void batched_gemm(const Tensor& a, const Tensor& b, float alpha, float beta, Tensor& c) {
  const int64_t batch = a.size(0), n = a.size(1), k = a.size(2), m = b.size(2);
  if (c.numel() == 0) return;
  if (k == 0) {  // an empty sum: sgemm is not asked to handle it
    if (beta == 0.0f) detail::copy_elements(c, zeros({}));
    else if (beta != 1.0f) detail::copy_elements(c, mul(c, beta));
    return;
  }
  const GemmOperand A = gemm_operand(a), B = gemm_operand(b);
  kernels::cpu::gemm_batched(A.trans, B.trans, batch, n, m, k, alpha, A.data, A.batch_stride, B.data, B.batch_stride,
                             beta, c.data());
}

// alpha * a b for 2-D a, b (no graph).
Tensor product(const Tensor& a, const Tensor& b, float alpha = 1.0f) {
  Tensor c = zeros({a.size(0), b.size(1)});
  Tensor c3 = c.view({1, a.size(0), b.size(1)});
  batched_gemm(a.unsqueeze(0), b.unsqueeze(0), alpha, 0.0f, c3);
  return c;
}

void check_matrices(const Tensor& a, const Tensor& b, const char* op) {
  ops_detail::check_float(a, op);
  ops_detail::check_float(b, op);
  FOVEA_CHECK(a.dim() == 2 && b.dim() == 2, ShapeError, op, ": expected two 2-D matrices, got shapes ",
              to_string(a.shape()), " and ", to_string(b.shape()));
  FOVEA_CHECK(a.size(1) == b.size(0), ShapeError, op, ": shapes ", to_string(a.shape()), " and ", to_string(b.shape()),
              " cannot be multiplied (", a.size(0), "x", a.size(1), " and ", b.size(0), "x", b.size(1), ")");
}

}  // namespace

Tensor addmm(const Tensor& input, const Tensor& a, const Tensor& b, float beta, float alpha) {
  check_matrices(a, b, "addmm");
  ops_detail::check_float(input, "addmm");
  const Shape out_shape{a.size(0), b.size(1)};
  FOVEA_CHECK(input.dim() <= 2 && broadcast_shapes(input.shape(), out_shape, "addmm") == out_shape, ShapeError,
              "addmm: input of shape ", to_string(input.shape()), " does not broadcast to the product's shape ",
              to_string(out_shape));
  // beta = 0 ignores the input entirely (NaN included), as PyTorch.
  Tensor out = zeros(out_shape);
  if (beta != 0.0f) detail::copy_elements(out, input);
  Tensor out3 = out.view({1, out_shape[0], out_shape[1]});
  batched_gemm(a.detach().unsqueeze(0), b.detach().unsqueeze(0), alpha, beta, out3);
  if (needs_graph({&input, &a, &b})) {
    const Tensor sa = a.detach(), sb = b.detach();
    const Shape input_shape = input.shape();
    const bool need_input = input.requires_grad(), need_a = a.requires_grad(), need_b = b.requires_grad();
    record(
        out, "AddmmBackward", {input, a, b},
        [=](const Tensor& g) {
          return std::vector<Tensor>{need_input ? sum_to(beta == 1.0f ? g : mul(g, beta), input_shape) : Tensor(),
                                     need_a ? product(g, sb.t(), alpha) : Tensor(),
                                     need_b ? product(sa.t(), g, alpha) : Tensor()};
        },
        {sa, sb});
  }
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_matrices(a, b, "mm");
  Tensor out = product(a.detach(), b.detach());
  if (needs_graph({&a, &b})) {
    const Tensor sa = a.detach(), sb = b.detach();
    const bool need_a = a.requires_grad(), need_b = b.requires_grad();
    record(
        out, "MmBackward", {a, b},
        [=](const Tensor& g) {
          return std::vector<Tensor>{need_a ? product(g, sb.t()) : Tensor(), need_b ? product(sa.t(), g) : Tensor()};
        },
        {sa, sb});
  }
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  ops_detail::check_float(a, "bmm");
  ops_detail::check_float(b, "bmm");
  FOVEA_CHECK(a.dim() == 3 && b.dim() == 3, ShapeError, "bmm: expected two 3-D batches of matrices, got shapes ",
              to_string(a.shape()), " and ", to_string(b.shape()));
  FOVEA_CHECK(a.size(0) == b.size(0) && a.size(2) == b.size(1), ShapeError, "bmm: shapes ", to_string(a.shape()),
              " and ", to_string(b.shape()), " cannot be multiplied (expected the second to be [", a.size(0), ", ",
              a.size(2), ", m])");
  Tensor out = zeros({a.size(0), a.size(1), b.size(2)});
  batched_gemm(a.detach(), b.detach(), 1.0f, 0.0f, out);
  if (needs_graph({&a, &b})) {
    const Tensor sa = a.detach(), sb = b.detach();
    const bool need_a = a.requires_grad(), need_b = b.requires_grad();
    record(
        out, "BmmBackward", {a, b},
        [=](const Tensor& g) {
          Tensor ga, gb;
          if (need_a) {
            ga = Tensor::empty(sa.shape());
            batched_gemm(g, sb.transpose(1, 2), 1.0f, 0.0f, ga);
          }
          if (need_b) {
            gb = Tensor::empty(sb.shape());
            batched_gemm(sa.transpose(1, 2), g, 1.0f, 0.0f, gb);
          }
          return std::vector<Tensor>{ga, gb};
        },
        {sa, sb});
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  ops_detail::check_float(a, "matmul");
  ops_detail::check_float(b, "matmul");
  FOVEA_CHECK(a.dim() >= 1 && b.dim() >= 1, ShapeError, "matmul: both arguments need at least 1 dimension, got shapes ",
              to_string(a.shape()), " and ", to_string(b.shape()));
  const int64_t k = a.size(-1), kb = b.dim() == 1 ? b.size(0) : b.size(-2);
  FOVEA_CHECK(k == kb, ShapeError, "matmul: shapes ", to_string(a.shape()), " and ", to_string(b.shape()),
              " cannot be multiplied (", k, " columns against ", kb, " rows)");
  // A vector operand is a one-row (a) or one-column (b) matrix whose added dimension leaves the result.
  if (a.dim() <= 2 && b.dim() <= 2) {
    const Tensor out = mm(a.dim() == 1 ? a.unsqueeze(0) : a, b.dim() == 1 ? b.unsqueeze(1) : b);
    if (a.dim() == 1 && b.dim() == 1) return out.reshape({});
    if (a.dim() == 1) return out.squeeze(0);
    return b.dim() == 1 ? out.squeeze(1) : out;
  }
  if (b.dim() <= 2) {
    // Batches of a against one matrix: the batches fold into the rows of one product.
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    if (b.dim() == 2) out_shape.push_back(b.size(1));
    int64_t rows = 1;
    for (int64_t d = 0; d < a.dim() - 1; ++d) rows *= a.size(d);
    const Tensor out = mm(a.reshape({rows, k}), b.dim() == 1 ? b.unsqueeze(1) : b);
    return out.reshape(out_shape);
  }
  const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Shape batch_a(a2.shape().begin(), a2.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  const int64_t n = a2.size(-2), m = b.size(-1);
  int64_t count = 1;
  for (int64_t s : batch) count *= s;
  Shape full_a = batch, full_b = batch;
  full_a.insert(full_a.end(), {n, k});
  full_b.insert(full_b.end(), {k, m});
  const Tensor out = bmm(a2.expand(full_a).reshape({count, n, k}), b.expand(full_b).reshape({count, k, m}));
  Shape out_shape = batch;
  if (a.dim() > 1) out_shape.push_back(n);
  out_shape.push_back(m);
  return out.reshape(out_shape);
}

}  // namespace fovea
