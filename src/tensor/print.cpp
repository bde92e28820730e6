// Printing tensors as PyTorch prints them (placeholder until the formatter lands).
#include <ostream>
#include <sstream>

#include "fovea/tensor.hpp"

namespace fovea {

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  std::ostringstream os;
  os << "tensor(";
  if (t.numel() <= 64) {
    const std::vector<float> v = t.to_vector();
    os << "[";
    for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << "], ";
  }
  os << "shape=" << to_string(t.shape()) << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }
std::ostream& operator<<(std::ostream& os, Dtype dtype) { return os << "fovea." << to_string(dtype); }

}  // namespace fovea
