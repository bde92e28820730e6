#pragma once
// The CPU kernels: pure functions over raw float buffers. Inputs are const, outputs are written
// in full (never accumulated into unless the name says so) and never allocated here. This is the
// only place that calls oneDNN or uses OpenMP.
#include <cstdint>

#include "kernels/shapes.hpp"

namespace fovea::kernels::cpu {

// ---- convolution (oneDNN, blocked layouts chosen by the library) ----
// bias may be null. Tensors are NCHW (input/output) and OIHW (weight).
void conv2d_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias,
                    float* output);
void conv2d_backward_input(const Conv2dShape& s, const float* grad_output, const float* weight,
                           float* grad_input);
// grad_bias may be null.
void conv2d_backward_weight(const Conv2dShape& s, const float* input, const float* grad_output,
                            float* grad_weight, float* grad_bias);

// ---- pooling ----
// `argmax` receives, for each output, the flat index within its input plane of the chosen max.
void max_pool2d_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax);
void max_pool2d_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                         float* grad_input);
void avg_pool2d_forward(const Pool2dShape& s, const float* input, float* output);
void avg_pool2d_backward(const Pool2dShape& s, const float* grad_output, float* grad_input);

// ---- matrix products (oneDNN's sgemm) ----
// Row-major C[m x n] = alpha * op(A) * op(B) + beta * C.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c);
void linear_forward(const LinearShape& s, const float* input, const float* weight, const float* bias,
                    float* output);
// Any of the three outputs may be null when not needed.
void linear_backward(const LinearShape& s, const float* input, const float* weight,
                     const float* grad_output, float* grad_input, float* grad_weight, float* grad_bias);

// ---- elementwise ----
void relu_forward(int64_t n, const float* x, float* y);
// Uses the forward output: the gradient passes where y > 0.
void relu_backward(int64_t n, const float* y, const float* grad_y, float* grad_x);

// ---- softmax and losses over rows x classes ----
void log_softmax_forward(int64_t rows, int64_t classes, const float* x, float* y);
void log_softmax_backward(int64_t rows, int64_t classes, const float* y, const float* grad_y,
                          float* grad_x);
// Mean over rows of -log_probs[r, target[r]]; returns the loss.
float nll_loss_forward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target);
// grad_x = (softmax(x) - onehot(target)) * scale, from the saved log-probabilities.
void cross_entropy_backward(int64_t rows, int64_t classes, const float* log_probs, const int64_t* target,
                            float scale, float* grad_x);

}  // namespace fovea::kernels::cpu
