#pragma once
// The layers of the seed's CNN and their neighbours, with PyTorch's constructor arguments,
// defaults, initialisation and printed form.
#include <cstdint>
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

// Sequential: runs its children in order; they are named "0", "1", ...
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  template <typename... M>
  explicit Sequential(M&&... modules) : Module("Sequential") {
    (push_back(to_module_ptr(std::forward<M>(modules))), ...);
  }
  void push_back(ModulePtr module);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  size_t size() const { return named_children().size(); }
  ModulePtr operator[](size_t i) const { return named_children().at(i).second; }
};

// Weight out x in x kh x kw and bias, both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch's
// kaiming_uniform_(a=sqrt(5)) default.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride = 1, Pair padding = 0,
         bool bias = true);
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override;
  // relu(forward(input)) in one pass (see ops.hpp conv2d_relu); Sequential calls it when a ReLU
  // follows this layer.
  Tensor forward_relu(const Tensor& input);
  std::string extra_repr() const override;
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  Pair kernel_size() const { return kernel_; }
  Pair stride() const { return stride_; }
  Pair padding() const { return padding_; }
  Tensor weight, bias;

 private:
  int64_t in_channels_, out_channels_;
  Pair kernel_, stride_, padding_;
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

// `inplace` is kept for the summary; fovea computes out of place, which autograd needs anyway.
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

}  // namespace fovea::nn
