#pragma once
// Helpers the layer families share for their printed form (PyTorch's extra_repr spelling) and
// their argument checks.
#include <cstdint>
#include <sstream>
#include <string>

#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"

namespace fovea::nn::layer_detail {

inline std::string pair_str(const Pair& p) {
  return "(" + std::to_string(p.h) + ", " + std::to_string(p.w) + ")";
}
inline std::string py_bool(bool b) { return b ? "True" : "False"; }

// A float as Python's repr prints it for the usual arguments: 0.5, 1.0, 1e-05.
inline std::string float_str(float v) {
  std::ostringstream os;
  os << v;
  std::string s = os.str();
  return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
}

inline void check_positive(const char* layer, const char* what, int64_t v) {
  if (v <= 0)
    throw ValueError(std::string(layer) + ": " + what + " must be positive, got " + std::to_string(v));
}

}  // namespace fovea::nn::layer_detail
