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
void max_pool2d_nchw16c_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  table().max_pool2d_nchw16c_forward(s, input, output, argmax);
}
void max_pool2d_nchw16c_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                                 float* grad_input) {
  table().max_pool2d_nchw16c_backward(s, grad_output, argmax, grad_input);
}

void sum_rows(int64_t rows, int64_t cols, const float* x, float* out) { table().sum_rows(rows, cols, x, out); }

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

void sgd_update(int64_t n, float* weight, const float* grad, float* buffer, float lr, float momentum,
                float dampening, float weight_decay, bool nesterov, bool first) {
  table().sgd_update(n, weight, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, first);
}

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

}  // namespace fovea::kernels::cpu
