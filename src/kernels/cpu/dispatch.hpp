#pragma once
// Which instruction set fovea's own loops run with, chosen at run time. Internal to kernels/cpu.
//
// fovea is compiled for plain x86-64, so that one binary runs on any x86-64 CPU. The loops that
// gain from wider vectors (pooling, ReLU, dropout and its random numbers, softmax, the optimizer
// update, the bias sum: the files in per_isa/) are compiled three times, each into its own
// namespace (a file there opens `namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE`;
// cmake/FoveaDispatch.cmake sets it):
//
//   cpu::baseline   x86-64 (SSE2)
//   cpu::avx2       + AVX2, FMA
//   cpu::avx512     + AVX-512 F, BW, VL, DQ (Skylake-SP and later, Zen 4)
//
// Each kernel listed in FOVEA_PER_ISA_KERNELS below has its entry point in cpu:: (dispatch.cpp),
// which calls the variant picked once, at the first call: the widest this CPU runs, or a narrower
// one named by FOVEA_CPU_ISA=baseline|avx2|avx512, the way PyTorch's ATEN_CPU_CAPABILITY works
// (to compare variants, or test them all on one machine). oneDNN, behind the convolutions and
// matrix products, makes the same choice for itself; ONEDNN_MAX_CPU_ISA lowers that one.
//
// Why whole files compiled per ISA rather than GCC's target_clones on each function: the body of
// a `#pragma omp parallel` is outlined into a separate function, and that function is compiled
// for the command line's ISA whatever the clone's target, so the loop that matters would stay
// narrow. A file compiled with -mavx2 has every function in it, outlined ones included, in AVX2.
//
// The rule for a file in per_isa/: loops over raw memory, and nothing that makes the compiler
// emit an out-of-line copy of an inline function or template that lives outside the file's
// namespace (std::string, exceptions, containers). The linker keeps one copy of such a function
// for the whole library, and it may be the AVX-512 one, to be called later by baseline code on a
// CPU without AVX-512. The test dispatch_symbols (cmake/CheckIsaSymbols.cmake) checks the rule.
#include <cstdint>

#include "kernels/cpu/kernels.hpp"

namespace fovea::kernels::cpu {

enum class Isa { baseline, avx2, avx512 };

// "baseline", "avx2" or "avx512".
const char* isa_name(Isa isa);
// The widest variant this CPU (and its operating system) can run.
Isa widest_supported_isa();
// The variant the kernels run: the widest supported one, or FOVEA_CPU_ISA's when set. Decided at
// the first call. Throws ValueError, each time it is called, when FOVEA_CPU_ISA names no variant
// or one this CPU lacks: running it would end in SIGILL.
Isa dispatch_isa();
const char* dispatch_isa_name();

namespace detail {
// dispatch_isa's rule, apart from the environment and the CPU: `requested` is FOVEA_CPU_ISA's
// value (null or empty when unset), `widest` what the CPU supports.
Isa choose_isa(const char* requested, Isa widest);
}  // namespace detail

// ---- loops used inside other kernels, compiled per ISA like the public ones ----

// Max pooling over activations stored [blocks][H][W][lanes], channels innermost (pool2d_blocked.cpp):
// nChw16c and nChw8c (lanes 16 and 8, channels padded to whole blocks) and NHWC (lanes = C, one
// block per image). `argmax` receives, per output element, the flat spatial index (h * in_w + w)
// of the chosen input, as the plain kernel records it.
void max_pool2d_channel_blocks_forward(const Pool2dShape& s, int64_t lanes, const float* input, float* output,
                                       int32_t* argmax);
// grad_input is written in full (zero where no window chose an element).
void max_pool2d_channel_blocks_backward(const Pool2dShape& s, int64_t lanes, const float* grad_output,
                                        const int32_t* argmax, float* grad_input);
// dst[i] = src[i] rounded to bfloat16 (nearest, ties to even; NaN stays NaN), threaded.
void round_to_bf16(int64_t n, const float* src, uint16_t* dst);
// out[c] = sum over r of x[r * cols + c], rows added in order (a bias gradient, reproducibly).
void sum_rows(int64_t rows, int64_t cols, const float* x, float* out);
// Convolution + ReLU + 2x2 max pooling of few input channels (conv_relu_pool.cpp prepares the
// operands; the shapes are documented there).
void conv_relu_pool_16c_forward(const Conv2dShape& s, const float* padded_input, const float* packed_weight,
                            const float* packed_bias, float* output, uint8_t* window);
void conv_relu_pool_16c_backward_weight(const Conv2dShape& s, const float* padded_input, const float* output,
                                    const uint8_t* window, const float* grad_output, float* partials,
                                    int64_t threads);

// Every kernel compiled per ISA. Each is declared in kernels.hpp or above, defined once per ISA in
// per_isa/, and its cpu:: entry point (dispatch.cpp) calls the chosen definition.
#define FOVEA_PER_ISA_KERNELS(X)                                                                        \
  X(relu_forward) X(relu_backward)                                                                      \
  X(dropout_forward) X(dropout_backward)                                                                \
  X(max_pool2d_forward) X(max_pool2d_backward) X(avg_pool2d_forward) X(avg_pool2d_backward)             \
  X(max_pool2d_channel_blocks_forward) X(max_pool2d_channel_blocks_backward)                            \
  X(round_to_bf16)                                                                                      \
  X(sum_rows)                                                                                           \
  X(conv_relu_pool_16c_forward) X(conv_relu_pool_16c_backward_weight)                                          \
  X(log_softmax_forward) X(log_softmax_backward) X(nll_loss_forward) X(cross_entropy_backward)          \
  X(mt19937_64_refill) X(sgd_update)                                                                    \
  X(sgd_update_fused) X(philox_uniform)                                                                 \
  /* elementwise (issue 10) */                                                                          \
  X(unary_forward) X(binary_forward) X(compare_float) X(compare_int64)                                 \
  /* reductions (issue 10) */                                                                           \
  X(sum_reduce) X(sum_reduce_int64) X(var_reduce) X(var_backward) X(max_reduce) X(min_reduce)           \
  X(index_reduce_backward) X(spread_to_extremum_backward) X(logsumexp_reduce) X(logsumexp_backward)     \
  X(softmax_forward) X(softmax_backward)                                                                \
  X(regression_loss_forward) X(regression_loss_backward) X(bce_with_logits_forward)                     \
  X(bce_with_logits_backward) X(nll_loss_rows) X(nll_loss_rows_backward)       \
  X(adam_update) X(rmsprop_update) X(adam_update_fused) X(rmsprop_update_fused)

// The per-ISA definitions have the entry points' types: `decltype(cpu::relu_forward) relu_forward;`
// declares cpu::avx2::relu_forward(int64_t, const float*, float*).
#define FOVEA_DECLARE_VARIANT(name) decltype(cpu::name) name;
namespace baseline {
FOVEA_PER_ISA_KERNELS(FOVEA_DECLARE_VARIANT)
}
namespace avx2 {
FOVEA_PER_ISA_KERNELS(FOVEA_DECLARE_VARIANT)
}
namespace avx512 {
FOVEA_PER_ISA_KERNELS(FOVEA_DECLARE_VARIANT)
}
#undef FOVEA_DECLARE_VARIANT

}  // namespace fovea::kernels::cpu
