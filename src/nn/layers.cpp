// The standard layers: each a thin module over an op in src/ops, with PyTorch's initialisation
// and printed form.
#include "fovea/nn/layers.hpp"

#include <cmath>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/profiler.hpp"
#include "nn/folded_batch_norm.hpp"
#include "nn/layer_helpers.hpp"

namespace fovea::nn {

using layer_detail::check_positive;
using layer_detail::float_str;
using layer_detail::pair_str;
using layer_detail::py_bool;

namespace {

// PyTorch's default for Conv and Linear: kaiming_uniform_(a=sqrt(5)) on the weight, which works
// out to U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
Tensor uniform_init(const Shape& shape, int64_t fan_in) {
  float bound = fan_in > 0 ? 1.0f / std::sqrt(static_cast<float>(fan_in)) : 0.0f;
  return rand(shape, -bound, bound);
}

}  // namespace

// ---- Sequential ----

void Sequential::push_back(ModulePtr module) { register_module(std::to_string(size()), std::move(module)); }

void Sequential::push_back(const std::string& name, ModulePtr module) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError("Sequential: a child's name must be non-empty and hold no '.', got '" + name + "'");
  for (const auto& [taken, child] : named_children())
    if (taken == name) throw ValueError("Sequential: two children named '" + name + "'");
  register_module(name, std::move(module));
}

// Each child clones itself under its name; the container copies only its own mode.
ModulePtr Sequential::clone() const {
  auto copy = std::make_shared<Sequential>();
  for (const auto& [name, child] : named_children()) copy->push_back(name, child->clone());
  copy->copy_state_from(*this);
  return copy;
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  const auto& children = named_children();
  auto child = [&](size_t i) { return i < children.size() ? children[i].second.get() : nullptr; };
  auto unhooked_relu = [&](size_t i) { return dynamic_cast<ReLU*>(child(i)) && !child(i)->has_forward_hooks(); };
  for (size_t i = 0; i < children.size(); ++i) {
    // Fused steps (see layers.hpp): nothing between the modules is visible from outside a
    // Sequential, so the result is the same; unless a forward hook watches one of them, which must
    // see that module's own output.
    auto* conv = dynamic_cast<Conv2d*>(child(i));
    if (conv && !conv->has_forward_hooks()) {
      // Conv2d then BatchNorm2d in eval (then ReLU): one convolution with folded weights.
      auto* bn = dynamic_cast<BatchNorm2d*>(child(i + 1));
      if (bn && conv->can_fold(*bn, x)) {
        const bool relu = unhooked_relu(i + 2);
        profiler::Scope scope(conv->path() + (relu ? " Conv2d+BatchNorm2d+ReLU" : " Conv2d+BatchNorm2d"),
                              /*is_module=*/true);
        x = conv->forward_batch_norm(x, *bn, relu);
        i += relu ? 2 : 1;
        continue;
      }
      // Conv2d, ReLU, MaxPool2d: the first layer of most image networks, as one kernel.
      auto* pool = dynamic_cast<MaxPool2d*>(child(i + 2));
      if (unhooked_relu(i + 1) && pool && !pool->has_forward_hooks()) {
        profiler::Scope scope(conv->path() + " Conv2d+ReLU+MaxPool2d", /*is_module=*/true);
        x = conv->forward_relu_max_pool(x, *pool);
        i += 2;
        continue;
      }
      // Conv2d then ReLU: one pass instead of two trips through memory.
      if (unhooked_relu(i + 1)) {
        profiler::Scope scope(conv->path() + " Conv2d+ReLU", /*is_module=*/true);
        x = conv->forward_relu(x);
        ++i;
        continue;
      }
    }
    x = (*children[i].second)(x);
  }
  return x;
}

// ---- Conv2d ----

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride, Pair padding, Pair dilation,
               int64_t groups, bool has_bias)
    : Module("Conv2d"),
      in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_(kernel_size),
      stride_(stride),
      padding_(padding),
      dilation_(dilation),
      groups_(groups),
      folded_(std::make_shared<detail::FoldedBatchNorm>()) {
  check_positive("Conv2d", "in_channels", in_channels);
  check_positive("Conv2d", "out_channels", out_channels);
  check_positive("Conv2d", "kernel_size", std::min(kernel_.h, kernel_.w));
  check_positive("Conv2d", "stride", std::min(stride_.h, stride_.w));
  check_positive("Conv2d", "dilation", std::min(dilation_.h, dilation_.w));
  check_positive("Conv2d", "groups", groups);
  if (padding_.h < 0 || padding_.w < 0) throw ValueError("Conv2d: padding must be non-negative");
  // PyTorch's messages.
  if (in_channels % groups != 0) throw ValueError("Conv2d: in_channels must be divisible by groups");
  if (out_channels % groups != 0) throw ValueError("Conv2d: out_channels must be divisible by groups");
  const int64_t fan_in = in_channels / groups * kernel_.h * kernel_.w;
  weight = register_parameter("weight",
                              uniform_init({out_channels, in_channels / groups, kernel_.h, kernel_.w}, fan_in));
  if (has_bias) bias = register_parameter("bias", uniform_init({out_channels}, fan_in));
}

ModulePtr Conv2d::clone() const {
  return clone_as<Conv2d>(in_channels_, out_channels_, kernel_, stride_, padding_, dilation_, groups_,
                          bias.defined());
}

Tensor Conv2d::forward(const Tensor& input) {
  return conv2d(input, weight, bias, stride_.pair(), padding_.pair(), dilation_.pair(), groups_);
}

// Called by Sequential directly, not through operator(): the layer names itself in an error here.
Tensor Conv2d::forward_relu(const Tensor& input) {
  try {
    return conv2d_relu(input, weight, bias, stride_.pair(), padding_.pair(), dilation_.pair(), groups_);
  } catch (const Error& e) {
    rethrow_annotated(e);
  }
}

Tensor Conv2d::forward_relu_max_pool(const Tensor& input, const MaxPool2d& pool) {
  try {
    return conv2d_relu_max_pool2d(input, weight, bias, stride_.pair(), padding_.pair(), dilation_.pair(), groups_,
                                  pool.kernel_size().pair(), pool.stride().pair(), pool.padding().pair());
  } catch (const Error& e) {
    // Name the layer that refused: the pooling, when the convolution alone accepts this input.
    bool convolution_accepts = true;
    try {
      NoGradGuard no_grad;
      (void)conv2d(input, weight, bias, stride_.pair(), padding_.pair(), dilation_.pair(), groups_);
    } catch (const Error&) {
      convolution_accepts = false;
    }
    if (convolution_accepts) pool.rethrow_annotated(e);
    rethrow_annotated(e);
  }
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_channels_) + ", " + std::to_string(out_channels_) +
                  ", kernel_size=" + pair_str(kernel_) + ", stride=" + pair_str(stride_);
  if (padding_.h != 0 || padding_.w != 0) s += ", padding=" + pair_str(padding_);
  if (dilation_.h != 1 || dilation_.w != 1) s += ", dilation=" + pair_str(dilation_);
  if (groups_ != 1) s += ", groups=" + std::to_string(groups_);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

// ---- Linear ----

Linear::Linear(int64_t in_features, int64_t out_features, bool has_bias)
    : Module("Linear"), in_features_(in_features), out_features_(out_features) {
  check_positive("Linear", "in_features", in_features);
  check_positive("Linear", "out_features", out_features);
  weight = register_parameter("weight", uniform_init({out_features, in_features}, in_features));
  if (has_bias) bias = register_parameter("bias", uniform_init({out_features}, in_features));
}

ModulePtr Linear::clone() const { return clone_as<Linear>(in_features_, out_features_, bias.defined()); }

Tensor Linear::forward(const Tensor& input) { return linear(input, weight, bias); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) + ", out_features=" + std::to_string(out_features_) +
         ", bias=" + py_bool(bias.defined());
}

// ---- ReLU ----

// In place only where no graph is recorded (see layers.hpp for why not under a graph), and only
// where every element has its own memory (relu_ refuses a stride-0 view).
Tensor ReLU::forward(const Tensor& input) {
  if (inplace_ && input.defined() && input.dtype() == kFloat32 && !needs_graph({&input}) &&
      (input.layout() == Layout::Blocked || input.is_contiguous())) {
    Tensor x = input;
    return x.relu_();
  }
  return relu(input);
}
ModulePtr ReLU::clone() const { return clone_as<ReLU>(inplace_); }
std::string ReLU::extra_repr() const { return inplace_ ? "inplace=True" : ""; }

// ---- pooling ----

MaxPool2d::MaxPool2d(Pair kernel_size, Pair stride, Pair padding)
    : Module("MaxPool2d"),
      kernel_(kernel_size),
      stride_(stride.h == 0 && stride.w == 0 ? kernel_size : stride),
      padding_(padding) {}

ModulePtr MaxPool2d::clone() const { return clone_as<MaxPool2d>(kernel_, stride_, padding_); }

Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, kernel_.pair(), stride_.pair(), padding_.pair());
}

// PyTorch prints the arguments as given: ints stay ints.
std::string MaxPool2d::extra_repr() const {
  auto arg = [](const Pair& p) { return p.h == p.w ? std::to_string(p.h) : pair_str(p); };
  return "kernel_size=" + arg(kernel_) + ", stride=" + arg(stride_) + ", padding=" + arg(padding_) +
         ", dilation=1, ceil_mode=False";
}

AvgPool2d::AvgPool2d(Pair kernel_size, Pair stride, Pair padding)
    : Module("AvgPool2d"),
      kernel_(kernel_size),
      stride_(stride.h == 0 && stride.w == 0 ? kernel_size : stride),
      padding_(padding) {}

ModulePtr AvgPool2d::clone() const { return clone_as<AvgPool2d>(kernel_, stride_, padding_); }

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel_.pair(), stride_.pair(), padding_.pair());
}

std::string AvgPool2d::extra_repr() const {
  auto arg = [](const Pair& p) { return p.h == p.w ? std::to_string(p.h) : pair_str(p); };
  return "kernel_size=" + arg(kernel_) + ", stride=" + arg(stride_) + ", padding=" + arg(padding_);
}

// ---- Dropout ----

Dropout::Dropout(float p, bool inplace) : Module("Dropout"), p_(p), inplace_(inplace) {
  if (!(p >= 0.0f && p <= 1.0f))
    throw ValueError("Dropout: probability has to be between 0 and 1, but got " + std::to_string(p));
}

Tensor Dropout::forward(const Tensor& input) { return dropout(input, p_, is_training()); }
ModulePtr Dropout::clone() const { return clone_as<Dropout>(p_, inplace_); }
std::string Dropout::extra_repr() const { return "p=" + float_str(p_) + ", inplace=" + py_bool(inplace_); }

// ---- Flatten ----

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

}  // namespace fovea::nn
