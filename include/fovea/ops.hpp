#pragma once
// Differentiable operations as free functions, the counterpart of torch.* and torch.nn.functional,
// with PyTorch's names, defaults and semantics. Each computes with a kernel from src/kernels and,
// when a graph is being recorded, attaches a node whose backward calls the matching backward
// kernels or composes these ops. Shapes follow PyTorch: images are N x C x H x W, linear inputs
// are N x in_features.
//
// Broadcasting: binary ops and `where` follow NumPy/PyTorch's rule: shapes are aligned at the
// right, and sizes must be equal or one of them 1 (that dimension is then repeated). The
// gradient of a broadcast input is summed back to its shape.
//
// Dimensions: every `dim` may be negative (counted from the end). Reductions take one dimension
// or several (`Shape dims`; an empty list means all of them) and `keepdim`.
//
// Dtypes: arithmetic is float32; comparisons give bool tensors; indices and class targets are
// int64 tensors; masks are bool tensors. An op given a dtype it does not take throws TypeError.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea {

// ---- broadcasting ----
// The shape a and b broadcast to, or a ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast_shapes");
// Sums `grad` over the dimensions along which `shape` was broadcast to grad's shape (the gradient
// of a broadcast). Not differentiable.
Tensor sum_to(const Tensor& grad, const Shape& shape);

// ---- elementwise arithmetic (broadcasting) ----
Tensor add(const Tensor& a, const Tensor& b, float alpha = 1.0f);  // a + alpha * b
Tensor sub(const Tensor& a, const Tensor& b, float alpha = 1.0f);  // a - alpha * b
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float s);
Tensor sub(const Tensor& a, float s);
Tensor mul(const Tensor& a, float s);
Tensor div(const Tensor& a, float s);
Tensor rsub(const Tensor& a, float s);  // s - a
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, float s);
Tensor operator-(const Tensor& a, float s);
Tensor operator*(const Tensor& a, float s);
Tensor operator/(const Tensor& a, float s);
Tensor operator+(float s, const Tensor& a);
Tensor operator-(float s, const Tensor& a);
Tensor operator*(float s, const Tensor& a);
Tensor operator/(float s, const Tensor& a);
Tensor operator-(const Tensor& a);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, float s);
Tensor& operator-=(Tensor& a, float s);
Tensor& operator*=(Tensor& a, float s);
Tensor& operator/=(Tensor& a, float s);

// ---- elementwise math ----
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor pow(const Tensor& x, const Tensor& exponent);
Tensor clamp(const Tensor& x, std::optional<float> min, std::optional<float> max);
// maximum/minimum propagate NaN, as PyTorch's.
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// Elements of a where condition (bool) holds, of b elsewhere; all three broadcast.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, float b);
Tensor where(const Tensor& condition, float a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);

// ---- activations ----
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// approximate: "none" (x * Phi(x), with erf) or "tanh", as F.gelu.
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);  // x * sigmoid(x), a.k.a. Swish

// ---- comparisons (broadcasting; bool results, no gradient) ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, float s);
Tensor ne(const Tensor& a, float s);
Tensor lt(const Tensor& a, float s);
Tensor le(const Tensor& a, float s);
Tensor gt(const Tensor& a, float s);
Tensor ge(const Tensor& a, float s);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, float s);
Tensor operator!=(const Tensor& a, float s);
Tensor operator<(const Tensor& a, float s);
Tensor operator<=(const Tensor& a, float s);
Tensor operator>(const Tensor& a, float s);
Tensor operator>=(const Tensor& a, float s);
Tensor logical_not(const Tensor& x);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);

// ---- reductions ----
// Over all elements (shape []) or over `dims` (an empty list: all), keeping reduced dimensions as
// size 1 when keepdim. sum and mean accumulate in double: the result does not depend on the order
// or the number of threads.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);
// Unbiased (divides by N - 1) by default, as torch.var.
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, const Shape& dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, bool unbiased = true);
Tensor std(const Tensor& x, const Shape& dims, bool unbiased = true, bool keepdim = false);
// A braced list is dims: var(x, {0}) reduces dim 0. Without these, {0} converts to the bool
// `unbiased` and the variance of everything comes back without a word.
Tensor var(const Tensor& x, std::initializer_list<int64_t> dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, std::initializer_list<int64_t> dims, bool unbiased = true, bool keepdim = false);
// The largest element (shape []), or (values, int64 indices) along dim; NaN counts as the largest,
// and ties give the first index, as PyTorch on CPU.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
// int64 indices along dim, or into the flattened tensor when dim is not given.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor softmax(const Tensor& x, int64_t dim);
// Computed as x - max - log(sum(exp(x - max))): stable for any logits.
Tensor log_softmax(const Tensor& x, int64_t dim);

// ---- shape and indexing (besides Tensor's view methods) ----
// Any dtypes, promoted as PyTorch's (bool < int64 < float32). As in PyTorch, 1-D empty tensors
// (shape [0]) are skipped whatever the others' shape.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// `pad` lists (before, after) pairs starting from the last dimension, as F.pad:
// {left, right, top, bottom, ...}; negative pads crop. mode "constant" (with value) or "reflect"
// (the edge not repeated; each pad smaller than its dimension; any number of leading dimensions,
// where F.pad asks for a batch or channel dimension).
Tensor pad(const Tensor& x, const Shape& pad, const std::string& mode = "constant", float value = 0.0f);
// `index` is int64: a vector for index_select; for gather as many dimensions as x, each no larger
// than x's except along dim. An index outside [0, size) is an IndexError (negative ones included,
// as PyTorch's). Gradients add up over repeated indices.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// A copy with the elements of each dimension in `dims` reversed.
Tensor flip(const Tensor& x, const Shape& dims);

// ---- linear algebra (oneDNN's sgemm, the path Linear uses) ----
// torch.matmul: 1-D and 2-D operands as vectors and matrices (1-D x 1-D is a 0-d dot product);
// more dimensions are batches of matrices, the batch dimensions broadcasting (without copying a
// batch that is only repeated). A transposed operand (x.t()) is read as is, not copied.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);    // [n, k] x [k, m]
Tensor bmm(const Tensor& a, const Tensor& b);   // [b, n, k] x [b, k, m]
// beta * input + alpha * (a @ b), input broadcast to [n, m].
Tensor addmm(const Tensor& input, const Tensor& a, const Tensor& b, float beta = 1.0f, float alpha = 1.0f);

// ---- convolution and pooling ----
// PyTorch's F.conv2d. `bias` may be undefined. With `groups` g the weight is
// [out, in / g, kH, kW] and output channel group j sees input channel group j only (in and out
// divisible by g); `dilation` spaces the kernel's taps (1: adjacent).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              std::pair<int64_t, int64_t> stride = {1, 1}, std::pair<int64_t, int64_t> padding = {0, 0},
              std::pair<int64_t, int64_t> dilation = {1, 1}, int64_t groups = 1);
// relu(conv2d(...)) in one pass: oneDNN applies the ReLU as each output is written. Same values
// and gradients as the two ops; nn::Sequential uses it for a Conv2d followed by a ReLU.
Tensor conv2d_relu(const Tensor& input, const Tensor& weight, const Tensor& bias,
                   std::pair<int64_t, int64_t> stride = {1, 1}, std::pair<int64_t, int64_t> padding = {0, 0},
                   std::pair<int64_t, int64_t> dilation = {1, 1}, int64_t groups = 1);
// max_pool2d(relu(conv2d(...)), pool_kernel, pool_stride, pool_padding): the same values and
// gradients as the three ops; nn::Sequential uses it for Conv2d, ReLU, MaxPool2d in a row. A
// network's first layer (an input that needs no gradient, few channels, stride 1, 2x2 pooling)
// runs one fused kernel that never writes the full-size activation; anything else runs the ops.
Tensor conv2d_relu_max_pool2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              std::pair<int64_t, int64_t> stride, std::pair<int64_t, int64_t> padding,
                              std::pair<int64_t, int64_t> dilation, int64_t groups,
                              std::pair<int64_t, int64_t> pool_kernel, std::pair<int64_t, int64_t> pool_stride,
                              std::pair<int64_t, int64_t> pool_padding);
// Whether conv2d_relu_max_pool2d runs its fused kernel for these arguments (nn::Sequential asks,
// so that otherwise each layer runs, and names itself in an error, on its own).
bool conv2d_relu_max_pool2d_fuses(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                  std::pair<int64_t, int64_t> stride, std::pair<int64_t, int64_t> padding,
                                  std::pair<int64_t, int64_t> dilation, int64_t groups,
                                  std::pair<int64_t, int64_t> pool_kernel, std::pair<int64_t, int64_t> pool_stride,
                                  std::pair<int64_t, int64_t> pool_padding);
// F.max_pool2d / F.avg_pool2d; stride defaults to the kernel size when given as {0, 0}.
// Windows that run past the padded border are not emitted (ceil_mode=False).
Tensor max_pool2d(const Tensor& input, std::pair<int64_t, int64_t> kernel,
                  std::pair<int64_t, int64_t> stride = {0, 0}, std::pair<int64_t, int64_t> padding = {0, 0});
// count_include_pad=True, as PyTorch's default.
Tensor avg_pool2d(const Tensor& input, std::pair<int64_t, int64_t> kernel,
                  std::pair<int64_t, int64_t> stride = {0, 0}, std::pair<int64_t, int64_t> padding = {0, 0});

// F.adaptive_avg_pool2d / F.adaptive_max_pool2d: [N, C, H, W] or [C, H, W] to output_size
// (oh, ow), output cell i covering input rows [floor(i * H / oh), ceil((i + 1) * H / oh)) and
// likewise columns. Windows may overlap; (1, 1) is global pooling. The max takes NaN as the
// largest and the first of equal values, as PyTorch on CPU.
Tensor adaptive_avg_pool2d(const Tensor& input, std::pair<int64_t, int64_t> output_size);
Tensor adaptive_max_pool2d(const Tensor& input, std::pair<int64_t, int64_t> output_size);

// Stochastic pooling (Zeiler & Fergus 2013) over kernel x kernel windows (stride defaults to the
// kernel when {0, 0}; no padding), for non-negative inputs such as a ReLU's output: negative values
// count as 0. Training: each window outputs one of its values, drawn with probability
// proportional to it (one uniform draw per output from the global generator, in order), and the
// gradient goes to that element, as max pooling's. Otherwise the probability-weighted average
// sum(x_i^2) / sum(x_i), differentiated as such. A window with nothing positive gives 0.
Tensor stochastic_pool2d(const Tensor& input, std::pair<int64_t, int64_t> kernel,
                         std::pair<int64_t, int64_t> stride = {0, 0}, bool training = true);

// ---- normalisation ----
// F.batch_norm over input [N, C, *]: per channel c,
//   y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c.
// training: mean and (biased) var of the batch, and running_mean / running_var, when defined, are
// updated in place (no graph) with running = (1 - momentum) * running + momentum * batch stat,
// the variance unbiased (n / (n - 1)) first; one value per channel is an error and an empty
// batch leaves them alone, as PyTorch. Not
// training: running_mean and running_var (both required). weight, bias, running_mean and
// running_var are [C] or undefined. Gradients reach input, weight and bias, not the running stats.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  float momentum = 0.1f, float eps = 1e-5f);

// ---- fully connected ----
// y = x W^T + b, with W of shape out x in. `bias` may be undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias);

// ---- regularisation ----
// Zeroes each element with probability p and scales survivors by 1/(1-p) when `training`;
// identity otherwise. Masks come from the global generator (random.hpp).
Tensor dropout(const Tensor& input, float p, bool training);
// F.dropout2d on [N, C, H, W]: zeroes whole channels (one draw per (n, c) from the global
// generator, in order) with probability p, scaling the others by 1/(1-p), when `training`. As
// torch 1.13, a 3-D input is taken as [N, C, L] (channels of a batch), dropping per (n, c) too.
Tensor dropout2d(const Tensor& input, float p, bool training);

// ---- losses ----
// How a loss combines its per-element values, as PyTorch's reduction='none' | 'mean' | 'sum'.
enum class Reduction { None, Mean, Sum };

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      float beta = 1.0f);
// `weight` (broadcast to input) and `pos_weight` (per class, the last dimension) may be undefined.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        Reduction reduction = Reduction::Mean, const Tensor& pos_weight = Tensor());

// Options of nll_loss and cross_entropy, as their keyword arguments in PyTorch.
struct ClassLossOptions {
  Tensor weight;               // per class (float32 [C]); undefined: all 1
  int64_t ignore_index = -100;  // targets equal to it add nothing, and do not count in the mean
  Reduction reduction = Reduction::Mean;
  float label_smoothing = 0.0f;  // cross_entropy only: in [0, 1]
};
// Inputs are [N, C] or [N, C, d1, ...] with int64 targets [N] or [N, d1, ...] (class indices).
// The weighted mean divides by the sum of the weights of the targets that count, as PyTorch.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const ClassLossOptions& options = {});
// nll_loss(log_softmax(logits, 1)) in one stable step, as F.cross_entropy.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const ClassLossOptions& options = {});

}  // namespace fovea
