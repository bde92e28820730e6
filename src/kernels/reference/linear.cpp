// Naive fully connected layer: y = x W^T + b with W stored out x in, as PyTorch stores it.
#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void linear_forward(const LinearShape& s, const float* input, const float* weight, const float* bias,
                    float* output) {
  for (int64_t r = 0; r < s.rows; ++r)
    for (int64_t o = 0; o < s.out_features; ++o) {
      double acc = bias ? bias[o] : 0.0;
      for (int64_t i = 0; i < s.in_features; ++i)
        acc += double(input[r * s.in_features + i]) * weight[o * s.in_features + i];
      output[r * s.out_features + o] = float(acc);
    }
}

void linear_backward(const LinearShape& s, const float* input, const float* weight,
                     const float* grad_output, float* grad_input, float* grad_weight, float* grad_bias) {
  const int64_t R = s.rows, I = s.in_features, O = s.out_features;
  if (grad_input)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < I; ++i) {
        double acc = 0.0;
        for (int64_t o = 0; o < O; ++o) acc += double(grad_output[r * O + o]) * weight[o * I + i];
        grad_input[r * I + i] = float(acc);
      }
  if (grad_weight)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < I; ++i) {
        double acc = 0.0;
        for (int64_t r = 0; r < R; ++r) acc += double(grad_output[r * O + o]) * input[r * I + i];
        grad_weight[o * I + i] = float(acc);
      }
  if (grad_bias)
    for (int64_t o = 0; o < O; ++o) {
      double acc = 0.0;
      for (int64_t r = 0; r < R; ++r) acc += grad_output[r * O + o];
      grad_bias[o] = float(acc);
    }
}

}  // namespace fovea::kernels::reference
