#pragma once
// One layer of a model description as written, `Conv2d(1, 32, kernel_size=5)`, and the table
// that makes it a module (layer_table.cpp). Internal to src/models.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fovea/nn/module.hpp"

namespace fovea::models::detail {

struct Value {
  enum class Kind { Integer, Decimal, Boolean, None, Text, Pair };
  Kind kind = Kind::None;
  int64_t integer = 0, second = 0;  // an integer, or a pair (integer, second)
  double decimal = 0.0;
  bool boolean = false;
  std::string text;
  std::string written;  // as in the file, for error messages
};

struct LayerCall {
  std::string layer;
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
  int line = 0;
};

// The module a call makes. Throws ValueError "SOURCE:LINE: Layer: ..." for an unknown layer,
// an argument the layer does not take or takes once, a value of the wrong kind or range.
nn::ModulePtr make_layer(const LayerCall& call, const std::string& source);

}  // namespace fovea::models::detail
