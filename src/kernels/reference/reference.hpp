#pragma once
// Naive reference kernels: the obvious loops, written for clarity, used by the tests as the oracle
// for the fast kernels in kernels/cpu. Same signatures, same semantics.
#include <cstdint>

#include "kernels/elementwise_ops.hpp"
#include "kernels/shapes.hpp"

namespace fovea::kernels::reference {

void conv2d_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias,
                    float* output);
void conv2d_backward_input(const Conv2dShape& s, const float* grad_output, const float* weight,
                           float* grad_input);
void conv2d_backward_weight(const Conv2dShape& s, const float* input, const float* grad_output,
                            float* grad_weight, float* grad_bias);
void max_pool2d_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax);
void max_pool2d_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                         float* grad_input);
void avg_pool2d_forward(const Pool2dShape& s, const float* input, float* output);
void avg_pool2d_backward(const Pool2dShape& s, const float* grad_output, float* grad_input);
void linear_forward(const LinearShape& s, const float* input, const float* weight, const float* bias,
                    float* output);
void linear_backward(const LinearShape& s, const float* input, const float* weight,
                     const float* grad_output, float* grad_input, float* grad_weight, float* grad_bias);
void relu_forward(int64_t n, const float* x, float* y);
void relu_backward(int64_t n, const float* y, const float* grad_y, float* grad_x);
void dropout_forward(int64_t n, const float* x, float p, float scale, float* mask, float* y);
void dropout_backward(int64_t n, const float* grad_y, const float* mask, float* grad_x);
void mt19937_64_refill(uint64_t* state);
// Philox4x32-10 of one 128-bit counter under a 64-bit key (Random123's philox4x32_R(10, ...)).
void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);
void philox_uniform(int64_t n, uint64_t key, float* out);
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

void log_softmax_forward(int64_t rows, int64_t classes, const float* x, float* y);
void log_softmax_backward(int64_t rows, int64_t classes, const float* y, const float* grad_y,
                          float* grad_x);
float nll_loss_forward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target);
void cross_entropy_backward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                            float scale, float* grad_x);
void unary_forward(UnaryOp op, int64_t n, const float* x, float* y, float p, float q);
void binary_forward(BinaryOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step,
                    float* out, float p, float q);
void compare_float(CompareOp op, int64_t n, const float* a, int64_t a_step, const float* b, int64_t b_step,
                   bool* out);
void compare_int64(CompareOp op, int64_t n, const int64_t* a, int64_t a_step, const int64_t* b, int64_t b_step,
                   bool* out);
// reductions (issue 10)
void sum_reduce(const ReduceShape& s, const float* x, float* out, bool mean);
void sum_reduce_int64(const ReduceShape& s, const int64_t* x, int64_t* out);
void var_reduce(const ReduceShape& s, const float* x, float* out, double correction, bool take_sqrt);
void var_backward(const ReduceShape& s, const float* x, const float* grad_out, const float* std_out,
                  double correction, float* grad_x);
void max_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices);
void min_reduce(const ReduceShape& s, const float* x, float* values, int64_t* indices);
void index_reduce_backward(const ReduceShape& s, const int64_t* indices, const float* grad_out, float* grad_x);
void spread_to_extremum_backward(int64_t n, const float* x, float value, float grad, float* grad_x);
void logsumexp_reduce(const ReduceShape& s, const float* x, float* out);
void logsumexp_backward(const ReduceShape& s, const float* x, const float* out, const float* grad_out,
                        float* grad_x);
void softmax_forward(const ReduceShape& s, const float* x, float* y, bool log);
void softmax_backward(const ReduceShape& s, const float* y, const float* grad_y, float* grad_x, bool log);
void regression_loss_forward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                             float* loss);
void regression_loss_backward(RegressionLoss kind, int64_t n, const float* x, const float* t, float beta,
                              const float* grad_loss, float* grad_x);
void bce_with_logits_forward(int64_t n, const float* x, const float* t, const float* weight,
                             const float* pos_weight, float* loss);
void bce_with_logits_backward(int64_t n, const float* x, const float* t, const float* weight,
                              const float* pos_weight, const float* grad_loss, float* grad_x, float* grad_t);
void nll_loss_rows(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                   const float* weight, int64_t ignore_index, float* loss, float* row_weight);
void nll_loss_rows_backward(int64_t rows, int64_t classes, const int64_t* target, const float* weight,
                            int64_t ignore_index, const float* grad_loss, float* grad_x);
void adam_update(int64_t n, float* weight, const float* grad, float* exp_avg, float* exp_avg_sq,
                 float* max_exp_avg_sq, const AdamStep& step);
void rmsprop_update(int64_t n, float* weight, const float* grad, float* square_avg, float* grad_avg,
                    float* momentum_buffer, const RMSpropStep& step);

}  // namespace fovea::kernels::reference
