// Matrix products through oneDNN's sgemm, and the fully connected layer built on them.
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

void linear_forward(const LinearShape& s, const float* input, const float* weight, const float* bias,
                    float* output) {
  const int64_t R = s.rows, I = s.in_features, O = s.out_features;
  // Seeding the output with the bias lets sgemm add the product in the same pass (beta = 1).
  if (bias)
    for (int64_t r = 0; r < R; ++r) std::copy(bias, bias + O, output + r * O);
  gemm(false, true, R, O, I, 1.0f, input, weight, bias ? 1.0f : 0.0f, output);
}

void linear_backward(const LinearShape& s, const float* input, const float* weight,
                     const float* grad_output, float* grad_input, float* grad_weight, float* grad_bias) {
  const int64_t R = s.rows, I = s.in_features, O = s.out_features;
  if (grad_input) gemm(false, false, R, I, O, 1.0f, grad_output, weight, 0.0f, grad_input);
  if (grad_weight) gemm(true, false, O, I, R, 1.0f, grad_output, input, 0.0f, grad_weight);
  if (grad_bias) sum_rows(R, O, grad_output, grad_bias);
}

}  // namespace fovea::kernels::cpu
