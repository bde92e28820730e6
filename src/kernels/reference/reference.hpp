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

}  // namespace fovea::kernels::reference
