#pragma once
// The CPU kernels: pure functions over raw float buffers. Inputs are const, outputs are written
// in full (never accumulated into unless the name says so) and never allocated here. This is the
// only place that calls oneDNN or uses OpenMP. fovea's own loops (pooling, elementwise, softmax,
// optimizer updates) run the widest vector instructions the CPU has, chosen at run time
// (dispatch.hpp); oneDNN chooses its own.
#include <cstdint>

#include "fovea/precision.hpp"
#include "kernels/cpu/layout.hpp"
#include "kernels/elementwise_ops.hpp"
#include "kernels/shapes.hpp"

namespace fovea::kernels::cpu {

// ---- convolution (oneDNN, blocked layouts chosen by the library) ----
// bias may be null. Weights are plain OIHW. Each activation (input, output and their gradients)
// is in the layout given beside it: nullptr for plain NCHW, or a handle from the *_layout queries
// below or from pooling. Reorders happen inside only where a layout differs from the one the
// primitive runs in. With Precision::bf16 the primitive reads input, weight and grad_output
// rounded to bfloat16 and accumulates and writes float32 (fovea/precision.hpp); every buffer the
// caller sees stays float32.
void conv2d_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias,
                    float* output, const BackendLayout* input_layout = nullptr,
                    const BackendLayout* output_layout = nullptr, bool fuse_relu = false,
                    Precision precision = Precision::fp32);
void conv2d_backward_input(const Conv2dShape& s, const float* grad_output, const float* weight,
                           float* grad_input, const BackendLayout* grad_output_layout = nullptr,
                           const BackendLayout* grad_input_layout = nullptr, Precision precision = Precision::fp32);
// grad_bias may be null.
void conv2d_backward_weight(const Conv2dShape& s, const float* input, const float* grad_output,
                            float* grad_weight, float* grad_bias, const BackendLayout* input_layout = nullptr,
                            const BackendLayout* grad_output_layout = nullptr, Precision precision = Precision::fp32);
// The layout the forward convolution writes natively (nullptr when that is plain NCHW), and the
// one its input gradient comes out in: producing these costs no reorder.
LayoutPtr conv2d_output_layout(const Conv2dShape& s, bool with_bias, Precision precision = Precision::fp32);
LayoutPtr conv2d_input_grad_layout(const Conv2dShape& s, Precision precision = Precision::fp32);

// ---- convolution + ReLU + 2x2 max pooling in one pass (conv_relu_pool.cpp) ----
// For a network's first layer, whose input has few channels: the full-size activation between
// the three is never written, and the weight gradient reads only the pooled gradient.
constexpr int64_t kConvReluPoolMaxTaps = 32;  // input channels x kernel elements, at most
// Whether the fused kernel computes this convolution followed by ReLU and 2x2 stride-2 max pooling
// (floor mode, no padding): stride 1, no dilation, one group, at most kConvReluPoolMaxTaps taps,
// a convolution output of at least 2x2.
bool conv_relu_pool_applies(const Conv2dShape& s);
// The pooled output's layout (nChw16c), and the sizes of what forward keeps for backward: the
// input with its zero border (floats) and the winning window position per output (bytes).
struct ConvReluPoolInfo {
  LayoutPtr output;
  int64_t padded_input_floats, window_bytes;
};
ConvReluPoolInfo conv_relu_pool_info(const Conv2dShape& s);
// input is plain NCHW, weight OIHW, bias may be null. Writes padded_input and window (for
// backward) and output, in info.output's layout, N x C_out x out_h/2 x out_w/2.
void conv_relu_pool_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias,
                            float* padded_input, float* output, uint8_t* window);
// The weight and bias gradients from the pooled output's gradient (in grad_output_layout; null for
// plain). grad_bias may be null. The input's gradient is not computed: the fused kernel applies only
// to inputs that need none.
void conv_relu_pool_backward_weight(const Conv2dShape& s, const float* padded_input, const float* output,
                                    const uint8_t* window, const float* grad_output,
                                    const BackendLayout* grad_output_layout, float* grad_weight, float* grad_bias);

// ---- pooling ----
// `argmax` receives, for each output, the flat index within its input plane of the chosen max.
void max_pool2d_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax);
void max_pool2d_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                         float* grad_input);
void avg_pool2d_forward(const Pool2dShape& s, const float* input, float* output);
// Max pooling that stays in a blocked layout `src` (from a convolution): the output is in the
// layout info.dst, and forward fills a workspace of info.workspace_bytes that backward reads.
// grad_output may be plain (grad_output_layout null) or in info.dst; grad_input is in `src`.
struct BlockedPoolInfo {
  LayoutPtr dst;
  int64_t workspace_bytes;
};
BlockedPoolInfo max_pool2d_blocked_info(const Pool2dShape& s, const BackendLayout& src);
void max_pool2d_forward_blocked(const Pool2dShape& s, const BackendLayout& src, const float* input, float* output,
                                uint8_t* workspace);
void max_pool2d_backward_blocked(const Pool2dShape& s, const BackendLayout& src, const float* grad_output,
                                 const BackendLayout* grad_output_layout, const uint8_t* workspace,
                                 float* grad_input);
void avg_pool2d_backward(const Pool2dShape& s, const float* grad_output, float* grad_input);

// ---- matrix products (oneDNN's sgemm) ----
// Row-major C[m x n] = alpha * op(A) * op(B) + beta * C.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c);
// `batch` products as gemm's: product i reads a + i * a_batch_stride and b + i * b_batch_stride (a
// stride of 0 repeats one matrix) and writes the row-major c + i * m * n.
void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t a_batch_stride, const float* b, int64_t b_batch_stride, float beta,
                  float* c);
// gemm with both operands rounded to bfloat16 and float32 accumulation and output, through a
// cached oneDNN matmul (alpha is 1; beta 0 or 1). Needs bf16_supported().
void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, const float* b,
               float beta, float* c);
// With Precision::bf16 the products go through gemm_bf16; the bias and its gradient stay fp32.
void linear_forward(const LinearShape& s, const float* input, const float* weight, const float* bias,
                    float* output, Precision precision = Precision::fp32);
// Any of the three outputs may be null when not needed.
void linear_backward(const LinearShape& s, const float* input, const float* weight,
                     const float* grad_output, float* grad_input, float* grad_weight, float* grad_bias,
                     Precision precision = Precision::fp32);

// ---- elementwise ----
void relu_forward(int64_t n, const float* x, float* y);
// Uses the forward output: the gradient passes where y > 0. grad_x may be grad_y (in place).
void relu_backward(int64_t n, const float* y, const float* grad_y, float* grad_x);
// Inverted dropout, as PyTorch: survivors are scaled by `scale` = 1/(1-p). `mask` arrives holding
// one uniform draw in [0, 1) per element and leaves holding 0 where the draw was below p, `scale`
// elsewhere; y = x * mask. Backward is grad_x = grad_y * mask.
void dropout_forward(int64_t n, const float* x, float p, float scale, float* mask, float* y);
void dropout_backward(int64_t n, const float* grad_y, const float* mask, float* grad_x);

// ---- batch normalisation (per channel; parallel over channels) ----
// mean and the biased variance of each channel, accumulated in double (two passes).
void batch_norm_stats(const BatchNormShape& s, const float* x, float* mean, float* var);
// y = (x - mean) * invstd * weight + bias per channel; weight and bias may be null (1 and 0).
void batch_norm_forward(const BatchNormShape& s, const float* x, const float* mean, const float* invstd,
                        const float* weight, const float* bias, float* y);
// The gradients of batch_norm_forward given grad_y. With `batch_stats`, mean and invstd were
// computed from x itself, so grad_x includes their dependence on x; otherwise they are constants
// (the running statistics). weight may be null (1); any output may be null when not needed.
void batch_norm_backward(const BatchNormShape& s, const float* x, const float* grad_y, const float* mean,
                         const float* invstd, const float* weight, bool batch_stats, float* grad_x,
                         float* grad_weight, float* grad_bias);
// The same on an activation in a channel-blocked layout (batch_norm_blocked.cpp): `block` is
// batch_norm_channel_block(layout), 16 or 8; x, y, grad_y and grad_x are all in that layout.
// Returns 0 for a layout these kernels do not read (the caller reorders to plain NCHW then).
int64_t batch_norm_channel_block(const BackendLayout& layout);
void batch_norm_stats_blocked(const BatchNormShape& s, int64_t block, const float* x, float* mean, float* var);
void batch_norm_forward_blocked(const BatchNormShape& s, int64_t block, const float* x, const float* mean,
                                const float* invstd, const float* weight, const float* bias, float* y);
void batch_norm_backward_blocked(const BatchNormShape& s, int64_t block, const float* x, const float* grad_y,
                                 const float* mean, const float* invstd, const float* weight, bool batch_stats,
                                 float* grad_x, float* grad_weight, float* grad_bias);
// running = (1 - momentum) * running + momentum * batch, the variance made unbiased (times
// count / (count - 1)) first, as PyTorch.
void batch_norm_update_running(int64_t channels, const float* mean, const float* var, int64_t count, float momentum,
                               float* running_mean, float* running_var);

// ---- adaptive pooling (see AdaptivePool2dShape; parallel over planes) ----
void adaptive_avg_pool2d_forward(const AdaptivePool2dShape& s, const float* input, float* output);
void adaptive_avg_pool2d_backward(const AdaptivePool2dShape& s, const float* grad_output, float* grad_input);
// argmax: the index of each output's maximum within its input plane; NaN wins, and among equal
// values the first, as PyTorch's CPU kernel.
void adaptive_max_pool2d_forward(const AdaptivePool2dShape& s, const float* input, float* output, int64_t* argmax);
void adaptive_max_pool2d_backward(const AdaptivePool2dShape& s, const float* grad_output, const int64_t* argmax,
                                  float* grad_input);

// ---- stochastic pooling (Zeiler & Fergus 2013), windows of s without padding ----
// Each window's probabilities are its values clamped at 0 and normalised; a window with no
// positive value gives 0. With `uniform` (training: one draw in [0, 1) per output, in output
// order) the output is the value at the first index whose running sum of clamped values exceeds
// draw * sum, and `index` gets it (its offset in the input plane, -1 for an all-non-positive
// window). Without (eval): the probability-weighted average sum(p_i * x_i); index is unused.
void stochastic_pool2d_forward(const Pool2dShape& s, const float* input, const float* uniform, float* output,
                               int32_t* index);
// Training (`index` non-null): each output's gradient goes to its sampled element. Eval: the
// derivative of sum(w_i x_i) / sum(w_i) with w = max(x, 0): (2 x_j S - Q) / S^2 where x_j > 0
// (S = sum w, Q = sum w^2), 0 elsewhere. Overlapping windows add up.
void stochastic_pool2d_backward(const Pool2dShape& s, const float* input, const float* grad_output,
                                const int32_t* index, float* grad_input);

// ---- softmax and losses over rows x classes ----
void log_softmax_forward(int64_t rows, int64_t classes, const float* x, float* y);
void log_softmax_backward(int64_t rows, int64_t classes, const float* y, const float* grad_y,
                          float* grad_x);
// Mean over rows of -log_probs[r, target[r]]; returns the loss.
float nll_loss_forward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target);
// grad_x = (softmax(x) - onehot(target)) * scale, from the saved log-probabilities.
void cross_entropy_backward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                            float scale, float* grad_x);

// ---- reductions over the middle dimension of [outer, reduce, inner] (results [outer, inner]) ----
// Sums in double (mean divides the double sum by `reduce`: nan when it is 0). Each output is
// computed in an order fixed by the shape alone: results do not depend on the thread count.
void sum_reduce(const ReduceShape& s, const float* x, float* out, bool mean);
void sum_reduce_int64(const ReduceShape& s, const int64_t* x, int64_t* out);
// Variance with divisor reduce - correction (nan when that is <= 0 and the deviations are 0), or
// its square root when take_sqrt.
void var_reduce(const ReduceShape& s, const float* x, float* out, double correction, bool take_sqrt);
// grad_x ([outer, reduce, inner]) of var, or of std when std_out (the forward's result) is given.
void var_backward(const ReduceShape& s, const float* x, const float* grad_out, const float* std_out,
                  double correction, float* grad_x);
// The largest / smallest element and its index (indices may be null); NaN counts as the extremum
// and the first of equal elements wins, as PyTorch on CPU. reduce must be > 0.
void max_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices);
void min_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices);
// grad_x written in full: grad_out at each chosen index, 0 elsewhere.
void index_reduce_backward(const ReduceShape& s, const int64_t* indices, const float* grad_out, float* grad_x);
// The gradient of max()/min() over everything: grad shared evenly among the elements equal to
// `value` (the NaNs when it is NaN), as PyTorch.
void spread_to_extremum_backward(int64_t n, const float* x, float value, float grad, float* grad_x);
// log(sum(exp(x))), stable: the maximum is subtracted first unless infinite.
void logsumexp_reduce(const ReduceShape& s, const float* x, float* out);
void logsumexp_backward(const ReduceShape& s, const float* x, const float* out, const float* grad_out,
                        float* grad_x);
// softmax (or log_softmax when log) along the reduced dimension; y has x's shape.
void softmax_forward(const ReduceShape& s, const float* x, float* y, bool log);
void softmax_backward(const ReduceShape& s, const float* y, const float* grad_y, float* grad_x, bool log);

// ---- losses (issue 10), elementwise over n elements or per row of [rows, classes] ----
// x and t (and weight, pos_weight when not null) have n elements each (broadcast beforehand).
// Mse: (x - t)^2; L1: |x - t|; SmoothL1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta
// (beta > 0; callers send beta == 0 to L1, as PyTorch).
void regression_loss_forward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                             float* loss);
// grad_x = dloss/dx * grad_loss; the target's gradient is its negation.
void regression_loss_backward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                              const float* grad_loss, float* grad_x);
// PyTorch's binary_cross_entropy_with_logits per element, in its overflow-free form; either
// gradient output may be null.
void bce_with_logits_forward(int64_t n, const float* x, const float* t, const float* weight,
                             const float* pos_weight, float* loss);
void bce_with_logits_backward(int64_t n, const float* x, const float* t, const float* weight,
                              const float* pos_weight, const float* grad_loss, float* grad_x, float* grad_t);
// loss[r] = -weight[target[r]] * log_probs[r, target[r]] and row_weight[r] = weight[target[r]]
// (weight null: 1), both 0 where target[r] == ignore_index. Targets are in range (checked above).
void nll_loss_rows(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                   const float* weight, int64_t ignore_index, float* loss, float* row_weight);
// grad_x [rows, classes] written in full: -weight[target[r]] * grad_loss[r] at the target, 0 elsewhere.
void nll_loss_rows_backward(int64_t rows, int64_t classes, const int64_t* target, const float* weight,
                            int64_t ignore_index, const float* grad_loss, float* grad_x);

// ---- random numbers ----
// The state refill ("twist") of MT19937-64: `state` holds the generator's 312 words and receives
// the next 312, exactly as std::mt19937_64 computes them (fovea::Generator tempers each word).
void mt19937_64_refill(uint64_t* state);
// n uniforms on [0, 1) from Philox4x32-10 (Random123's, the generator of cuRAND and of PyTorch's
// CUDA dropout) under `key`: counter-based, so out[i] depends on (key, i) only, whatever the
// instruction set or thread count, and the loop runs in vectors and threads. Layout: elements
// 64c .. 64c + 63 come from the 16 blocks with counters {16c + j, 0} (j = 0..15, the 64-bit block
// index in the counter's first two words, low word first, the last two 0); word w of block j is
// element 64c + 16w + j, and a word u becomes (u >> 8) / 2^24 (24 bits: every value an exact
// float, as Generator::uniform's).
void philox_uniform(int64_t n, uint64_t key, float* out);

// ---- optimizer updates (elementwise, so threads never change the result) ----
// torch.optim.SGD for one parameter of n elements; `first` when the momentum buffer is new
// (it is then set to the gradient). momentum == 0 ignores `buffer`.
void sgd_update(int64_t n, float* weight, const float* grad, float* buffer, float lr, float momentum,
                float dampening, float weight_decay, bool nesterov, bool first);
// The same update for `count` parameters in one parallel region: the elements of all of them,
// taken in order, are split evenly across the threads (a parameter may be shared by two), so a
// step over many small tensors pays for one fork and join, not one per tensor. Each element's
// arithmetic is sgd_update's: the result is bit-for-bit the per-parameter one.
void sgd_update_fused(int64_t count, const SgdParam* params);
// torch.optim.Adam for one parameter of n elements: updates the moments (max_exp_avg_sq only
// when not null: amsgrad) and the weight.
void adam_update(int64_t n, float* weight, const float* grad, float* exp_avg, float* exp_avg_sq,
                 float* max_exp_avg_sq, const AdamStep& step);
// adam_update for `count` parameters in one parallel region, as sgd_update_fused.
void adam_update_fused(int64_t count, const AdamParam* params);
// torch.optim.RMSprop for one parameter of n elements: grad_avg is used only when centered,
// momentum_buffer only when momentum > 0 (both start at zeros, as torch's).
void rmsprop_update(int64_t n, float* weight, const float* grad, float* square_avg, float* grad_avg,
                    float* momentum_buffer, const RMSpropStep& step);
// rmsprop_update for `count` parameters in one parallel region, as sgd_update_fused.
void rmsprop_update_fused(int64_t count, const RMSpropParam* params);

// ---- elementwise math (issue 10): row kernels, the ops in kernels/elementwise_ops.hpp ----
// Each works on n elements of one row; p and q are the op's scalar parameters. An input `step` is 1 (consecutive elements) or 0 (the
// same element repeated: a broadcast scalar); outputs are consecutive and may be an input (in
// place). Other strides are gathered into consecutive buffers by the caller (src/ops).
// Transcendental functions use polynomial approximations that vectorise (a few ulp from the
// correctly rounded value), with infinities, NaN, denormals and overflow as std:: gives them.

void unary_forward(UnaryOp op, int64_t n, const float* x, float* y, float p, float q);
void binary_forward(BinaryOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step,
                    float* out, float p, float q);
// Comparisons of float32 or int64 elements into bools.
void compare_float(CompareOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step,
                   bool* out);
void compare_int64(CompareOp op, int64_t n, const int64_t* a, int64_t a_step, const int64_t* b, int64_t b_step,
                   bool* out);

}  // namespace fovea::kernels::cpu
