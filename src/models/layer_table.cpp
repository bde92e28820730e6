// The layers a model description may name, each with PyTorch's parameter names, order and
// defaults, and the binding of a written call's arguments to them.
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>

#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"
#include "models/layer_call.hpp"

namespace fovea::models::detail {

namespace {

using nn::Pair;
using Kind = Value::Kind;

// An error that already names the file and line, told apart from a layer constructor's own.
class LocatedError : public ValueError {
 public:
  using ValueError::ValueError;
};

// A call's arguments bound to a layer's parameters, positional ones first, as Python binds them.
class Arguments {
 public:
  Arguments(const LayerCall& call, std::vector<std::string> params, const std::string& source)
      : params_(std::move(params)), where_(source + ":" + std::to_string(call.line) + ": " + call.layer) {
    if (call.positional.size() > params_.size())
      fail("takes at most " + std::to_string(params_.size()) + " arguments (" + list() + "), got " +
           std::to_string(call.positional.size()));
    for (size_t i = 0; i < call.positional.size(); ++i) bound_[params_[i]] = call.positional[i];
    for (const auto& [name, value] : call.named) {
      if (std::find(params_.begin(), params_.end(), name) == params_.end())
        fail("has no argument '" + name + "'" + (params_.empty() ? "; it takes none" : "; it takes " + list()));
      if (!bound_.emplace(name, value).second) fail("got '" + name + "' twice");
    }
  }

  [[noreturn]] void fail(const std::string& what) const { throw LocatedError(where_ + " " + what); }

  bool given(const std::string& name) const { return bound_.count(name) > 0; }

  int64_t integer(const std::string& name, std::optional<int64_t> fallback = std::nullopt) const {
    const Value* v = find(name, fallback.has_value());
    if (!v) return *fallback;
    if (v->kind != Kind::Integer) wrong(name, *v, "an integer");
    // No layer takes a size anywhere near this; a larger one is a typo that would allocate forever.
    if (std::abs(v->integer) > (int64_t{1} << 24)) wrong(name, *v, "an integer of at most 2^24");
    return v->integer;
  }

  Pair pair(const std::string& name, std::optional<Pair> fallback = std::nullopt) const {
    const Value* v = find(name, fallback.has_value());
    if (!v) return *fallback;
    if (v->kind == Kind::Integer) return Pair(integer(name));
    if (v->kind != Kind::Pair) wrong(name, *v, "an integer or an (h, w) pair");
    if (std::max(std::abs(v->integer), std::abs(v->second)) > (int64_t{1} << 24))
      wrong(name, *v, "sizes of at most 2^24");
    return Pair(v->integer, v->second);
  }

  // A Pair whose `None` means "the layer's default" (0 for pooling strides: the kernel size).
  Pair pair_or_none(const std::string& name, Pair none) const {
    const Value* v = find(name, true);
    return !v || v->kind == Kind::None ? none : pair(name);
  }

  double decimal(const std::string& name, double fallback) const {
    const Value* v = find(name, true);
    if (!v) return fallback;
    if (v->kind == Kind::Integer) return static_cast<double>(v->integer);
    if (v->kind != Kind::Decimal) wrong(name, *v, "a number");
    return v->decimal;
  }

  std::optional<double> decimal_or_none(const std::string& name, double fallback) const {
    const Value* v = find(name, true);
    if (v && v->kind == Kind::None) return std::nullopt;
    return decimal(name, fallback);
  }

  bool boolean(const std::string& name, bool fallback) const {
    const Value* v = find(name, true);
    if (!v) return fallback;
    if (v->kind != Kind::Boolean) wrong(name, *v, "True or False");
    return v->boolean;
  }

  std::string text(const std::string& name, const std::string& fallback) const {
    const Value* v = find(name, true);
    if (!v) return fallback;
    if (v->kind != Kind::Text) wrong(name, *v, "a quoted text such as '" + fallback + "'");
    return v->text;
  }

  // PyTorch arguments fovea takes only at their default (MaxPool2d's ceil_mode, ...): written
  // out by print(model), so accepted there, and refused anywhere else rather than ignored.
  void only_default(const std::string& name, const std::string& default_written) const {
    const Value* v = find(name, true);
    if (v && v->written != default_written) fail("supports only " + name + "=" + default_written + ", got " + v->written);
  }

 private:
  const Value* find(const std::string& name, bool optional) const {
    auto it = bound_.find(name);
    if (it != bound_.end()) return &it->second;
    if (!optional) fail("needs '" + name + "' (it takes " + list() + ")");
    return nullptr;
  }

  [[noreturn]] void wrong(const std::string& name, const Value& v, const std::string& expected) const {
    fail(name + " must be " + expected + ", got " + v.written);
  }

  std::string list() const {
    std::string out;
    for (const std::string& p : params_) out += (out.empty() ? "" : ", ") + p;
    return out;
  }

  std::vector<std::string> params_;
  std::string where_;
  std::map<std::string, Value> bound_;
};

// A weight of more elements than this is a typo, not a CNN for 2 CPU cores (it would be 1 GiB).
void check_weight_size(const Arguments& a, int64_t elements) {
  if (elements > (int64_t{1} << 28)) a.fail("would hold " + std::to_string(elements) + " weights; at most 2^28 are allowed");
}

struct Layer {
  std::vector<std::string> params;
  std::function<nn::ModulePtr(const Arguments&)> make;
};

nn::ModulePtr make_batch_norm(const Arguments& a, bool two_d) {
  const int64_t features = a.integer("num_features");
  const float eps = static_cast<float>(a.decimal("eps", 1e-5));
  const std::optional<double> momentum = a.decimal_or_none("momentum", 0.1);
  const std::optional<float> m = momentum ? std::optional<float>(static_cast<float>(*momentum)) : std::nullopt;
  const bool affine = a.boolean("affine", true), track = a.boolean("track_running_stats", true);
  if (two_d) return std::make_shared<nn::BatchNorm2d>(features, eps, m, affine, track);
  return std::make_shared<nn::BatchNorm1d>(features, eps, m, affine, track);
}

const std::map<std::string, Layer>& layers() {
  static const std::map<std::string, Layer> table = {
      {"Conv2d",
       {{"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode"},
        [](const Arguments& a) -> nn::ModulePtr {
          a.only_default("padding_mode", "'zeros'");
          const int64_t in = a.integer("in_channels"), out = a.integer("out_channels"), groups = a.integer("groups", 1);
          const Pair k = a.pair("kernel_size");
          if (groups > 0) check_weight_size(a, out * (in / groups) * k.h * k.w);
          return std::make_shared<nn::Conv2d>(in, out, k, a.pair("stride", 1), a.pair("padding", 0),
                                              a.pair("dilation", 1), groups, a.boolean("bias", true));
        }}},
      {"Linear",
       {{"in_features", "out_features", "bias"},
        [](const Arguments& a) -> nn::ModulePtr {
          const int64_t in = a.integer("in_features"), out = a.integer("out_features");
          check_weight_size(a, in * out);
          return std::make_shared<nn::Linear>(in, out, a.boolean("bias", true));
        }}},
      {"BatchNorm1d",
       {{"num_features", "eps", "momentum", "affine", "track_running_stats"},
        [](const Arguments& a) { return make_batch_norm(a, false); }}},
      {"BatchNorm2d",
       {{"num_features", "eps", "momentum", "affine", "track_running_stats"},
        [](const Arguments& a) { return make_batch_norm(a, true); }}},
      {"ReLU", {{"inplace"}, [](const Arguments& a) -> nn::ModulePtr {
                  return std::make_shared<nn::ReLU>(a.boolean("inplace", false));
                }}},
      {"LeakyReLU", {{"negative_slope", "inplace"}, [](const Arguments& a) -> nn::ModulePtr {
                       return std::make_shared<nn::LeakyReLU>(static_cast<float>(a.decimal("negative_slope", 0.01)),
                                                              a.boolean("inplace", false));
                     }}},
      {"GELU", {{"approximate"}, [](const Arguments& a) -> nn::ModulePtr {
                  return std::make_shared<nn::GELU>(a.text("approximate", "none"));
                }}},
      {"SiLU", {{}, [](const Arguments&) -> nn::ModulePtr { return std::make_shared<nn::SiLU>(); }}},
      {"Sigmoid", {{}, [](const Arguments&) -> nn::ModulePtr { return std::make_shared<nn::Sigmoid>(); }}},
      {"Tanh", {{}, [](const Arguments&) -> nn::ModulePtr { return std::make_shared<nn::Tanh>(); }}},
      {"Identity", {{}, [](const Arguments&) -> nn::ModulePtr { return std::make_shared<nn::Identity>(); }}},
      {"Softmax", {{"dim"}, [](const Arguments& a) -> nn::ModulePtr {
                     return std::make_shared<nn::Softmax>(a.integer("dim"));
                   }}},
      {"MaxPool2d",
       {{"kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"},
        [](const Arguments& a) -> nn::ModulePtr {
          a.only_default("dilation", "1");
          a.only_default("return_indices", "False");
          a.only_default("ceil_mode", "False");
          return std::make_shared<nn::MaxPool2d>(a.pair("kernel_size"), a.pair_or_none("stride", 0), a.pair("padding", 0));
        }}},
      {"AvgPool2d",
       {{"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"},
        [](const Arguments& a) -> nn::ModulePtr {
          a.only_default("ceil_mode", "False");
          a.only_default("count_include_pad", "True");
          a.only_default("divisor_override", "None");
          return std::make_shared<nn::AvgPool2d>(a.pair("kernel_size"), a.pair_or_none("stride", 0), a.pair("padding", 0));
        }}},
      {"AdaptiveAvgPool2d", {{"output_size"}, [](const Arguments& a) -> nn::ModulePtr {
                               return std::make_shared<nn::AdaptiveAvgPool2d>(a.pair("output_size"));
                             }}},
      {"AdaptiveMaxPool2d", {{"output_size", "return_indices"}, [](const Arguments& a) -> nn::ModulePtr {
                               a.only_default("return_indices", "False");
                               return std::make_shared<nn::AdaptiveMaxPool2d>(a.pair("output_size"));
                             }}},
      {"StochasticPool2d", {{"kernel_size", "stride"}, [](const Arguments& a) -> nn::ModulePtr {
                              return std::make_shared<nn::StochasticPool2d>(a.pair("kernel_size"),
                                                                            a.pair_or_none("stride", 0));
                            }}},
      {"Dropout", {{"p", "inplace"}, [](const Arguments& a) -> nn::ModulePtr {
                     return std::make_shared<nn::Dropout>(static_cast<float>(a.decimal("p", 0.5)),
                                                          a.boolean("inplace", false));
                   }}},
      {"Dropout2d", {{"p", "inplace"}, [](const Arguments& a) -> nn::ModulePtr {
                       return std::make_shared<nn::Dropout2d>(static_cast<float>(a.decimal("p", 0.5)),
                                                              a.boolean("inplace", false));
                     }}},
      {"Flatten", {{"start_dim", "end_dim"}, [](const Arguments& a) -> nn::ModulePtr {
                     return std::make_shared<nn::Flatten>(a.integer("start_dim", 1), a.integer("end_dim", -1));
                   }}},
  };
  return table;
}

}  // namespace

nn::ModulePtr make_layer(const LayerCall& call, const std::string& source) {
  const auto& table = layers();
  auto it = table.find(call.layer);
  const std::string where = source + ":" + std::to_string(call.line) + ": ";
  if (it == table.end()) {
    std::string names;
    for (const auto& [name, layer] : table) names += (names.empty() ? "" : ", ") + name;
    throw ValueError(where + "unknown layer '" + call.layer + "'; expected one of: Sequential, " + names);
  }
  const Arguments arguments(call, it->second.params, source);
  try {
    return it->second.make(arguments);
  } catch (const LocatedError&) {
    throw;
  } catch (const Error& e) {
    throw ValueError(where + e.what());  // the layer's own check (a negative size, p above 1, ...)
  }
}

}  // namespace fovea::models::detail
