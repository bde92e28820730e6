// Matrix products through oneDNN's sgemm, and the fully connected layer built on them (on sgemm, or
// in bf16 mode on gemm_bf16, matmul_bf16.cpp).
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <string>

#include "fovea/error.hpp"
#include "kernels/cpu/dispatch.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/strided_loop.hpp"

namespace fovea::kernels::cpu {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c) {
  // Row-major, densely packed: the leading dimension is the stored row length.
  const dnnl_dim_t lda = trans_a ? m : k, ldb = trans_b ? k : n, ldc = n;
  const dnnl_status_t status =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // Only reachable through a programming error (a negative size); the ops layer validates shapes.
  if (status != dnnl_success) throw Error("dnnl_sgemm failed with status " + std::to_string(status));
}

void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t a_batch_stride, const float* b, int64_t b_batch_stride, float beta,
                  float* c) {
  auto one = [&](int64_t i) {
    gemm(trans_a, trans_b, m, n, k, alpha, a + i * a_batch_stride, b + i * b_batch_stride, beta, c + i * m * n);
  };
  // A large product keeps oneDNN's own threads busy; many small ones (attention scores, a batch of
  // little matrices) go one per thread instead, where sgemm then runs single-threaded.
  const int64_t work = m * n * k;
  if (work >= (int64_t{1} << 20)) {
    for (int64_t i = 0; i < batch; ++i) one(i);
    return;
  }
  parallel_for(batch, work, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) one(i);
  });
}

namespace {
// Below this many multiply-adds a bf16 product costs more than it saves: rounding both operands
// to bf16 (two extra passes, each a parallel region) outweighs the faster arithmetic, so a small
// layer (a classifier's last, 128 x 10) stays in sgemm even in bf16 mode, more exact and no slower.
constexpr int64_t kBf16MinWork = int64_t{1} << 20;

// The product the linear layer runs: sgemm, or its bf16 twin (alpha is always 1 here).
void product(Precision precision, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
             const float* b, float beta, float* c) {
  if (precision == Precision::bf16 && m * n * k >= kBf16MinWork)
    gemm_bf16(trans_a, trans_b, m, n, k, a, b, beta, c);
  else
    gemm(trans_a, trans_b, m, n, k, 1.0f, a, b, beta, c);
}
}  // namespace

void linear_forward(const LinearShape& s, const float* input, const float* weight, const float* bias,
                    float* output, Precision precision) {
  const int64_t R = s.rows, I = s.in_features, O = s.out_features;
  // Seeding the output with the bias lets sgemm add the product in the same pass (beta = 1).
  if (bias)
    for (int64_t r = 0; r < R; ++r) std::copy(bias, bias + O, output + r * O);
  product(precision, false, true, R, O, I, input, weight, bias ? 1.0f : 0.0f, output);
}

void linear_backward(const LinearShape& s, const float* input, const float* weight,
                     const float* grad_output, float* grad_input, float* grad_weight, float* grad_bias,
                     Precision precision) {
  const int64_t R = s.rows, I = s.in_features, O = s.out_features;
  if (grad_input) product(precision, false, false, R, I, O, grad_output, weight, 0.0f, grad_input);
  if (grad_weight) product(precision, true, false, O, I, R, grad_output, input, 0.0f, grad_weight);
  if (grad_bias) sum_rows(R, O, grad_output, grad_bias);
}

}  // namespace fovea::kernels::cpu
