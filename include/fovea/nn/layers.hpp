#pragma once
// The layers of the seed's CNN and their neighbours, with PyTorch's constructor arguments,
// defaults, initialisation and printed form.
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fovea/nn/module.hpp"

namespace fovea::nn {

// An int or an (h, w) pair, as PyTorch's _pair arguments: kernel_size=3 means (3, 3).
struct Pair {
  Pair(int64_t v) : h(v), w(v) {}  // NOLINT: implicit on purpose, as in PyTorch
  Pair(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  int64_t h, w;
  std::pair<int64_t, int64_t> pair() const { return {h, w}; }
};

class BatchNorm2d;
namespace detail {
struct FoldedBatchNorm;
}  // namespace detail

// Whether Sequential runs an eval-mode Conv2d -> BatchNorm2d pair as one convolution with the
// batch norm folded into its weights (see Sequential). On by default; off gives the layer-by-layer
// path, for comparing the two (bench/kernels_bench.cpp does). Process-wide, as the thread count.
void set_fuse_batch_norm(bool on);
bool fuse_batch_norm();

class MaxPool2d;

// Sequential: runs its children in order; they are named "0", "1", ... unless named when added.
//
// Adjacent children it can run as one step, when nothing outside the Sequential could tell
// (neither child has a forward hook, which must see its own module's output):
//   Conv2d -> ReLU: one convolution with the ReLU applied as it writes its output.
//   Conv2d -> ReLU -> MaxPool2d: ops.hpp's conv2d_relu_max_pool2d, which runs a network's first
//     layer (few input channels, 2x2 pooling) as one kernel.
//   Conv2d -> BatchNorm2d (-> ReLU): in eval mode with running statistics, and with no graph to
//     record (grad mode off, or nothing requires grad), the batch norm is an affine map per channel,
//     so it folds into the convolution: scale = weight / sqrt(running_var + eps),
//     w' = w * scale (per output channel), b' = (b - running_mean) * scale + bias. See
//     Conv2d::forward_batch_norm for when the folded weights are recomputed.
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  template <typename... M>
  explicit Sequential(M&&... modules) : Module("Sequential") {
    (push_back(to_module_ptr(std::forward<M>(modules))), ...);
  }
  void push_back(ModulePtr module);
  // A child under its own name, as nn.Sequential(OrderedDict(...)) names them: the name is its
  // state_dict prefix. Throws ValueError for an empty name, one with a '.', or one already used.
  void push_back(const std::string& name, ModulePtr module);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  size_t size() const { return named_children().size(); }
  ModulePtr operator[](size_t i) const { return named_children().at(i).second; }
};

// Weight out x (in / groups) x kh x kw and bias, both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
// fan_in = in / groups * kh * kw, as PyTorch's kaiming_uniform_(a=sqrt(5)) default. Arguments in
// PyTorch's order: dilation and groups come before bias.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride = 1, Pair padding = 0,
         Pair dilation = 1, int64_t groups = 1, bool bias = true);
  // Conv2d(in, out, k, stride, padding, false) was the bias flag before dilation and groups came
  // before it (as in PyTorch); a bool there would now silently become dilation 0 or 1. Spell it
  // Conv2d(in, out, k, stride, padding, 1, 1, false).
  template <typename B>
    requires std::same_as<B, bool>
  Conv2d(int64_t, int64_t, Pair, Pair, Pair, B) = delete;
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  // relu(forward(input)) in one pass (see ops.hpp conv2d_relu); Sequential calls it when a ReLU
  // follows this layer.
  Tensor forward_relu(const Tensor& input);
  // pool(relu(forward(input))) (see ops.hpp conv2d_relu_max_pool2d); Sequential calls it for a
  // ReLU and a MaxPool2d after this layer. An error names whichever of the two layers refused.
  Tensor forward_relu_max_pool(const Tensor& input, const MaxPool2d& pool);
  // bn(forward(input)), then relu with `relu`, as one convolution whose weights have `bn` folded
  // into them: what Sequential calls where can_fold(bn, input) holds (same result, one pass).
  // The folded weights are kept and recomputed only when this layer's or bn's parameters or
  // running statistics changed: another tensor, or the same one written in place (copy_,
  // load_state_dict, an optimizer step; each bumps the storage's version). A write through a raw
  // data() pointer bumps nothing, so the folded weights would not see it.
  bool can_fold(const BatchNorm2d& bn, const Tensor& input) const;
  Tensor forward_batch_norm(const Tensor& input, const BatchNorm2d& bn, bool relu);
  std::string extra_repr() const override;
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  Pair kernel_size() const { return kernel_; }
  Pair stride() const { return stride_; }
  Pair padding() const { return padding_; }
  Pair dilation() const { return dilation_; }
  int64_t groups() const { return groups_; }
  Tensor weight, bias;

 private:
  int64_t in_channels_, out_channels_;
  Pair kernel_, stride_, padding_, dilation_;
  int64_t groups_;
  std::shared_ptr<detail::FoldedBatchNorm> folded_;  // the folded weights and what they came from
};

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  std::string extra_repr() const override;
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  Tensor weight, bias;

 private:
  int64_t in_features_, out_features_;
};

// With inplace=true the input is overwritten (relu_) when no graph is being recorded for it (grad
// mode off, or the input does not require grad) and its elements are not repeated (no stride-0
// view); with a graph it is computed out of place. Why not in place under a graph: fovea's engine
// finds an input's node through the input tensor itself at backward time, so rebasing the input's
// grad_fn (as relu_ must) would send the gradient of any other op that read the input through
// the ReLU too. The returned values are the same either way.
class ReLU : public Module {
 public:
  explicit ReLU(bool inplace = false) : Module("ReLU"), inplace_(inplace) {}
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  std::string extra_repr() const override;

 private:
  bool inplace_;
};

// stride defaults to kernel_size, as in PyTorch (pass 0 for "default").
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Pair kernel_size, Pair stride = 0, Pair padding = 0);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  std::string extra_repr() const override;
  Pair kernel_size() const { return kernel_; }
  Pair stride() const { return stride_; }  // the kernel size when constructed with 0
  Pair padding() const { return padding_; }

 private:
  Pair kernel_, stride_, padding_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Pair kernel_size, Pair stride = 0, Pair padding = 0);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  std::string extra_repr() const override;
  Pair kernel_size() const { return kernel_; }
  Pair stride() const { return stride_; }  // the kernel size when constructed with 0
  Pair padding() const { return padding_; }

 private:
  Pair kernel_, stride_, padding_;
};

class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f, bool inplace = false);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  std::string extra_repr() const override;

 private:
  float p_;
  bool inplace_;
};

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& input) override { return input.flatten(start_dim_, end_dim_); }
  ModulePtr clone() const override { return clone_as<Flatten>(start_dim_, end_dim_); }
  std::string extra_repr() const override;
  int64_t start_dim() const { return start_dim_; }
  int64_t end_dim() const { return end_dim_; }

 private:
  int64_t start_dim_, end_dim_;
};

// ---- activations (src/nn/activation.cpp): thin modules over the ops of the same name ----

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
  ModulePtr clone() const override { return clone_as<Identity>(); }
};

// `inplace` is printed as PyTorch does; the computation is out of place (see ReLU for why).
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(float negative_slope = 0.01f, bool inplace = false)
      : Module("LeakyReLU"), negative_slope_(negative_slope), inplace_(inplace) {}
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<LeakyReLU>(negative_slope_, inplace_); }
  std::string extra_repr() const override;
  float negative_slope() const { return negative_slope_; }

 private:
  float negative_slope_;
  bool inplace_;
};

// approximate: "none" (exact, with erf) or "tanh"; anything else is a ValueError at construction.
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<GELU>(approximate_); }
  std::string extra_repr() const override { return "approximate='" + approximate_ + "'"; }

 private:
  std::string approximate_;
};

class SiLU : public Module {
 public:
  SiLU() : Module("SiLU") {}
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<SiLU>(); }
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<Sigmoid>(); }
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<Tanh>(); }
};

// dim is required: PyTorch's dim=None picks a dimension from the rank with a deprecation warning.
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : Module("Softmax"), dim_(dim) {}
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<Softmax>(dim_); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim_); }
  int64_t dim() const { return dim_; }

 private:
  int64_t dim_;
};

// ---- normalization (src/nn/batchnorm.cpp) ----

// BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]), as PyTorch's: per channel,
// y = (x - mean) / sqrt(var + eps) * weight + bias, with the batch's statistics (biased variance)
// in training and the running ones in eval. Each training forward updates
//   running = (1 - momentum) * running + momentum * batch   (running_var from the unbiased
// batch variance), or, with momentum std::nullopt (PyTorch's None), the cumulative average with
// factor 1 / num_batches_tracked. affine=false: no weight and bias. track_running_stats=false:
// no buffers, and batch statistics in eval too. Parameters weight (ones) and bias (zeros);
// buffers running_mean (zeros), running_var (ones), num_batches_tracked (int64, 0-d).
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_features() const { return num_features_; }
  float eps() const { return eps_; }
  std::optional<float> momentum() const { return momentum_; }
  bool affine() const { return affine_; }
  bool track_running_stats() const { return track_running_stats_; }
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 protected:
  BatchNorm(const char* type, int64_t num_features, float eps, std::optional<float> momentum, bool affine,
            bool track_running_stats);
  virtual void check_input_dim(const Tensor& input) const = 0;

  int64_t num_features_;
  float eps_;
  std::optional<float> momentum_;
  bool affine_, track_running_stats_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, float eps = 1e-5f, std::optional<float> momentum = 0.1f,
                       bool affine = true, bool track_running_stats = true)
      : BatchNorm("BatchNorm1d", num_features, eps, momentum, affine, track_running_stats) {}
  ModulePtr clone() const override {
    return clone_as<BatchNorm1d>(num_features_, eps_, momentum_, affine_, track_running_stats_);
  }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f, std::optional<float> momentum = 0.1f,
                       bool affine = true, bool track_running_stats = true)
      : BatchNorm("BatchNorm2d", num_features, eps, momentum, affine, track_running_stats) {}
  ModulePtr clone() const override {
    return clone_as<BatchNorm2d>(num_features_, eps_, momentum_, affine_, track_running_stats_);
  }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

// ---- adaptive and stochastic pooling, channel dropout (src/nn/adaptive.cpp) ----

// Output (oh, ow) whatever the input's size: output cell i covers input rows
// [floor(i * H / oh), ceil((i + 1) * H / oh)), and likewise for columns, as PyTorch's. Printed as
// PyTorch prints an int when both sizes are equal.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Pair output_size);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<AdaptiveAvgPool2d>(output_size_); }
  std::string extra_repr() const override;
  Pair output_size() const { return output_size_; }

 private:
  Pair output_size_;
};

class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(Pair output_size);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<AdaptiveMaxPool2d>(output_size_); }
  std::string extra_repr() const override;
  Pair output_size() const { return output_size_; }

 private:
  Pair output_size_;
};

// Stochastic pooling (Zeiler & Fergus 2013; not in PyTorch): see ops.hpp stochastic_pool2d.
// Samples in training mode, the probability-weighted average in eval. stride defaults to the
// kernel size (pass 0).
class StochasticPool2d : public Module {
 public:
  explicit StochasticPool2d(Pair kernel_size, Pair stride = 0);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<StochasticPool2d>(kernel_, stride_); }
  std::string extra_repr() const override;
  Pair kernel_size() const { return kernel_; }
  Pair stride() const { return stride_; }

 private:
  Pair kernel_, stride_;
};

// Zeroes whole channels of an [N, C, H, W] (or [C, H, W]) input with probability p in training,
// scaling the rest by 1/(1-p); identity in eval. `inplace` is printed only (computed out of place).
class Dropout2d : public Module {
 public:
  explicit Dropout2d(float p = 0.5f, bool inplace = false);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<Dropout2d>(p_, inplace_); }
  std::string extra_repr() const override;

 private:
  float p_;
  bool inplace_;
};

}  // namespace fovea::nn
