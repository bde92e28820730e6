// The choice of instruction set, and the entry points that follow it (dispatch.hpp says why).
#include "kernels/cpu/dispatch.hpp"

#include <cstdlib>
#include <string>
#include <strings.h>

#include "fovea/error.hpp"

namespace fovea::kernels::cpu {

namespace {

constexpr const char* kNames[] = {"baseline", "avx2", "avx512"};

// The variants this CPU runs, for the error message: "baseline and avx2".
std::string supported_list(Isa widest) {
  std::string list = kNames[0];
  for (int i = 1; i <= int(widest); ++i) list += (i == int(widest) ? " and " : ", ") + std::string(kNames[i]);
  return int(widest) == 0 ? list + " only" : list;
}

}  // namespace

const char* isa_name(Isa isa) { return kNames[int(isa)]; }

Isa widest_supported_isa() {
  // libgcc's checks include the operating system's side (XSAVE enabled for the wider registers),
  // not only the CPUID bits.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return Isa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
  return Isa::baseline;
}

Isa detail::choose_isa(const char* requested, Isa widest) {
  if (!requested || !*requested) return widest;
  for (int i = 0; i < 3; ++i) {
    if (strcasecmp(requested, kNames[i]) != 0) continue;
    if (i > int(widest))
      throw ValueError("FOVEA_CPU_ISA=" + std::string(requested) + " asks for instructions this CPU lacks: it runs " +
                       supported_list(widest));
    return Isa(i);
  }
  throw ValueError("FOVEA_CPU_ISA=" + std::string(requested) +
                   " names no instruction set fovea is built for; use baseline, avx2 or avx512 (this CPU runs " +
                   supported_list(widest) + ")");
}

Isa dispatch_isa() {
  // A static initialiser that throws is retried at the next call: a bad FOVEA_CPU_ISA fails every
  // kernel call, never runs a variant the CPU lacks.
  static const Isa isa = detail::choose_isa(std::getenv("FOVEA_CPU_ISA"), widest_supported_isa());
  return isa;
}

const char* dispatch_isa_name() { return isa_name(dispatch_isa()); }

namespace {

// One pointer per per-ISA kernel, filled from one of the three namespaces.
struct KernelTable {
#define FOVEA_TABLE_ENTRY(name) decltype(&cpu::name) name;
  FOVEA_PER_ISA_KERNELS(FOVEA_TABLE_ENTRY)
#undef FOVEA_TABLE_ENTRY
};

#define FOVEA_BASELINE(name) &baseline::name,
#define FOVEA_AVX2(name) &avx2::name,
#define FOVEA_AVX512(name) &avx512::name,
// Indexed by Isa.
constexpr KernelTable kTables[] = {{FOVEA_PER_ISA_KERNELS(FOVEA_BASELINE)},
                                   {FOVEA_PER_ISA_KERNELS(FOVEA_AVX2)},
                                   {FOVEA_PER_ISA_KERNELS(FOVEA_AVX512)}};
#undef FOVEA_BASELINE
#undef FOVEA_AVX2
#undef FOVEA_AVX512

const KernelTable& table() { return kTables[int(dispatch_isa())]; }

}  // namespace

// ---- the entry points: each calls the chosen variant ----

void relu_forward(int64_t n, const float* x, float* y) { table().relu_forward(n, x, y); }
void relu_backward(int64_t n, const float* y, const float* grad_y, float* grad_x) {
  table().relu_backward(n, y, grad_y, grad_x);
}

void dropout_forward(int64_t n, const float* x, float p, float scale, float* mask, float* y) {
  table().dropout_forward(n, x, p, scale, mask, y);
}
void dropout_backward(int64_t n, const float* grad_y, const float* mask, float* grad_x) {
  table().dropout_backward(n, grad_y, mask, grad_x);
}

void max_pool2d_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  table().max_pool2d_forward(s, input, output, argmax);
}
void max_pool2d_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                         float* grad_input) {
  table().max_pool2d_backward(s, grad_output, argmax, grad_input);
}
void avg_pool2d_forward(const Pool2dShape& s, const float* input, float* output) {
  table().avg_pool2d_forward(s, input, output);
}
void avg_pool2d_backward(const Pool2dShape& s, const float* grad_output, float* grad_input) {
  table().avg_pool2d_backward(s, grad_output, grad_input);
}
void max_pool2d_channel_blocks_forward(const Pool2dShape& s, int64_t lanes, const float* input, float* output,
                                       int32_t* argmax) {
  table().max_pool2d_channel_blocks_forward(s, lanes, input, output, argmax);
}
void max_pool2d_channel_blocks_backward(const Pool2dShape& s, int64_t lanes, const float* grad_output,
                                        const int32_t* argmax, float* grad_input) {
  table().max_pool2d_channel_blocks_backward(s, lanes, grad_output, argmax, grad_input);
}

void round_to_bf16(int64_t n, const float* src, uint16_t* dst) { table().round_to_bf16(n, src, dst); }

void sum_rows(int64_t rows, int64_t cols, const float* x, float* out) { table().sum_rows(rows, cols, x, out); }

void conv_relu_pool_16c_forward(const Conv2dShape& s, const float* padded_input, const float* packed_weight,
                            const float* packed_bias, float* output, uint8_t* window) {
  table().conv_relu_pool_16c_forward(s, padded_input, packed_weight, packed_bias, output, window);
}
void conv_relu_pool_16c_backward_weight(const Conv2dShape& s, const float* padded_input, const float* output,
                                    const uint8_t* window, const float* grad_output, float* partials,
                                    int64_t threads) {
  table().conv_relu_pool_16c_backward_weight(s, padded_input, output, window, grad_output, partials, threads);
}

void log_softmax_forward(int64_t rows, int64_t classes, const float* x, float* y) {
  table().log_softmax_forward(rows, classes, x, y);
}
void log_softmax_backward(int64_t rows, int64_t classes, const float* y, const float* grad_y, float* grad_x) {
  table().log_softmax_backward(rows, classes, y, grad_y, grad_x);
}
float nll_loss_forward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target) {
  return table().nll_loss_forward(rows, classes, log_probs, target);
}
void cross_entropy_backward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                            float scale, float* grad_x) {
  table().cross_entropy_backward(rows, classes, log_probs, target, scale, grad_x);
}

void mt19937_64_refill(uint64_t* state) { table().mt19937_64_refill(state); }
void philox_uniform(int64_t n, uint64_t key, float* out) { table().philox_uniform(n, key, out); }

void sgd_update(int64_t n, float* weight, const float* grad, float* buffer, float lr, float momentum,
                float dampening, float weight_decay, bool nesterov, bool first) {
  table().sgd_update(n, weight, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, first);
}
void sgd_update_fused(int64_t count, const SgdParam* params) { table().sgd_update_fused(count, params); }

// elementwise (issue 10)
void unary_forward(UnaryOp op, int64_t n, const float* x, float* y, float p, float q) {
  table().unary_forward(op, n, x, y, p, q);
}
void binary_forward(BinaryOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step,
                    float* out, float p, float q) {
  table().binary_forward(op, n, a, a_step, b, b_step, out, p, q);
}
void compare_float(CompareOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step,
                   bool* out) {
  table().compare_float(op, n, a, a_step, b, b_step, out);
}
void compare_int64(CompareOp op, int64_t n, const int64_t* a, int64_t a_step, const int64_t* b, int64_t b_step,
                   bool* out) {
  table().compare_int64(op, n, a, a_step, b, b_step, out);
}

// reductions (issue 10)
void sum_reduce(const ReduceShape& s, const float* x, float* out, bool mean) { table().sum_reduce(s, x, out, mean); }
void sum_reduce_int64(const ReduceShape& s, const int64_t* x, int64_t* out) { table().sum_reduce_int64(s, x, out); }
void var_reduce(const ReduceShape& s, const float* x, float* out, double correction, bool take_sqrt) {
  table().var_reduce(s, x, out, correction, take_sqrt);
}
void var_backward(const ReduceShape& s, const float* x, const float* grad_out, const float* std_out,
                  double correction, float* grad_x) {
  table().var_backward(s, x, grad_out, std_out, correction, grad_x);
}
void max_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  table().max_reduce(s, x, values, indices);
}
void min_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices) {
  table().min_reduce(s, x, values, indices);
}
void index_reduce_backward(const ReduceShape& s, const int64_t* indices, const float* grad_out, float* grad_x) {
  table().index_reduce_backward(s, indices, grad_out, grad_x);
}
void spread_to_extremum_backward(int64_t n, const float* x, float value, float grad, float* grad_x) {
  table().spread_to_extremum_backward(n, x, value, grad, grad_x);
}
void logsumexp_reduce(const ReduceShape& s, const float* x, float* out) { table().logsumexp_reduce(s, x, out); }
void logsumexp_backward(const ReduceShape& s, const float* x, const float* out, const float* grad_out,
                        float* grad_x) {
  table().logsumexp_backward(s, x, out, grad_out, grad_x);
}
void softmax_forward(const ReduceShape& s, const float* x, float* y, bool log) { table().softmax_forward(s, x, y, log); }
void softmax_backward(const ReduceShape& s, const float* y, const float* grad_y, float* grad_x, bool log) {
  table().softmax_backward(s, y, grad_y, grad_x, log);
}
void regression_loss_forward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                             float* loss) {
  table().regression_loss_forward(kind, n, x, t, beta, loss);
}
void regression_loss_backward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                              const float* grad_loss, float* grad_x) {
  table().regression_loss_backward(kind, n, x, t, beta, grad_loss, grad_x);
}
void bce_with_logits_forward(int64_t n, const float* x, const float* t, const float* weight,
                             const float* pos_weight, float* loss) {
  table().bce_with_logits_forward(n, x, t, weight, pos_weight, loss);
}
void bce_with_logits_backward(int64_t n, const float* x, const float* t, const float* weight,
                              const float* pos_weight, const float* grad_loss, float* grad_x, float* grad_t) {
  table().bce_with_logits_backward(n, x, t, weight, pos_weight, grad_loss, grad_x, grad_t);
}
void nll_loss_rows(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                   const float* weight, int64_t ignore_index, float* loss, float* row_weight) {
  table().nll_loss_rows(rows, classes, log_probs, target, weight, ignore_index, loss, row_weight);
}
void nll_loss_rows_backward(int64_t rows, int64_t classes, const int64_t* target, const float* weight,
                            int64_t ignore_index, const float* grad_loss, float* grad_x) {
  table().nll_loss_rows_backward(rows, classes, target, weight, ignore_index, grad_loss, grad_x);
}
void adam_update(int64_t n, float* weight, const float* grad, float* exp_avg, float* exp_avg_sq,
                 float* max_exp_avg_sq, const AdamStep& step) {
  table().adam_update(n, weight, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step);
}
void rmsprop_update(int64_t n, float* weight, const float* grad, float* square_avg, float* grad_avg,
                    float* momentum_buffer, const RMSpropStep& step) {
  table().rmsprop_update(n, weight, grad, square_avg, grad_avg, momentum_buffer, step);
}
void adam_update_fused(int64_t count, const AdamParam* params) { table().adam_update_fused(count, params); }
void rmsprop_update_fused(int64_t count, const RMSpropParam* params) { table().rmsprop_update_fused(count, params); }

}  // namespace fovea::kernels::cpu
