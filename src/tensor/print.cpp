// Printing tensors exactly as PyTorch 1.13 prints them (torch/_tensor_str.py, default print
// options: precision 4, threshold 1000, edgeitems 3, linewidth 80), so that output pasted from a
// fovea program and from a Python session can be compared by eye or by diff.
//
// PyTorch chooses one format for the whole tensor from the elements it will show:
//   * integer-valued floats print as "1." (int mode);
//   * otherwise 4 decimals, "0.1000";
//   * scientific "1.0000e+05" when the largest and smallest nonzero finite magnitudes differ by
//     more than 1000x, the largest exceeds 1e8, or (not in int mode) the smallest is below 1e-4;
//   * every element is right-aligned to the widest one, and rows wrap at 80 columns.
// More than 1000 elements are summarised: the first and last 3 entries of each dimension, with
// "..." between them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "fovea/tensor.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr int64_t kLineWidth = 80;

std::string printf_double(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, kPrecision, v);
  return buffer;
}

// Python's "{:.4f}" / "{:.4e}" / "{:.0f}": as printf, except that NaN never carries a sign.
std::string fixed(double v, int precision) {
  if (std::isnan(v)) return "nan";
  char buffer[400];  // %.0f of 3.4e38 has 39 digits
  std::snprintf(buffer, sizeof buffer, "%.*f", precision, v);
  return buffer;
}
std::string scientific(double v) {
  if (std::isnan(v)) return "nan";
  return printf_double("%.*e", v);
}

// The elements of a tensor in row-major order, as doubles (float32 and int64 values below 2^53
// are exact) together with how to spell one.
struct Elements {
  Dtype dtype;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  std::vector<bool> bools;

  explicit Elements(const Tensor& t) : dtype(t.dtype()) {
    if (dtype == kFloat32) {
      const std::vector<float> v = t.to_vector<float>();
      floats.assign(v.begin(), v.end());
    } else if (dtype == kInt64) {
      ints = t.to_vector<int64_t>();
    } else {
      bools = t.to_vector<bool>();
    }
  }
  std::string plain(int64_t i) const {  // Python's "{}" of a non-float element
    return dtype == kInt64 ? std::to_string(ints[static_cast<size_t>(i)])
                           : (bools[static_cast<size_t>(i)] ? "True" : "False");
  }
};

// PyTorch's _Formatter: one format and one width for every element shown.
class Formatter {
 public:
  Formatter(const Elements& e, const std::vector<int64_t>& shown) : e_(e) {
    if (e.dtype != kFloat32) {
      for (int64_t i : shown) width_ = std::max(width_, e.plain(i).size());
      return;
    }
    std::vector<double> values;  // nonzero and finite
    for (int64_t i : shown) {
      const double v = e.floats[static_cast<size_t>(i)];
      if (std::isfinite(v) && v != 0) values.push_back(v);
    }
    if (values.empty()) return;
    double lo = std::fabs(values[0]), hi = lo;
    for (double v : values) {
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (int_mode_) {
      sci_mode_ = hi / lo > 1000.0 || hi > 1e8;
      for (double v : values) width_ = std::max(width_, sci_mode_ ? scientific(v).size() : fixed(v, 0).size() + 1);
    } else {
      sci_mode_ = hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4;
      for (double v : values) width_ = std::max(width_, sci_mode_ ? scientific(v).size() : fixed(v, kPrecision).size());
    }
  }

  size_t width() const { return width_; }

  std::string format(int64_t i) const {
    std::string s;
    if (e_.dtype != kFloat32) {
      s = e_.plain(i);
    } else {
      const double v = e_.floats[static_cast<size_t>(i)];
      if (sci_mode_) {
        s = scientific(v);
      } else if (int_mode_) {
        s = fixed(v, 0);
        if (std::isfinite(v)) s += '.';
      } else {
        s = fixed(v, kPrecision);
      }
    }
    return s.size() < width_ ? std::string(width_ - s.size(), ' ') + s : s;
  }

 private:
  const Elements& e_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  size_t width_ = 1;
};

// Walks the entries that are shown (all of them, or the edges of each dimension when summarising)
// in the order PyTorch prints them.
class Printer {
 public:
  Printer(const Shape& shape, bool summarize) : shape_(shape), summarize_(summarize) {
    strides_.assign(shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d) strides_[d] = strides_[d + 1] * shape[d + 1];
  }

  // The entries of dimension d that are shown: -1 stands for "...".
  std::vector<int64_t> entries(size_t d) const {
    std::vector<int64_t> out;
    const int64_t n = shape_[d];
    if (summarize_ && n > 2 * kEdgeItems) {
      for (int64_t i = 0; i < kEdgeItems; ++i) out.push_back(i);
      out.push_back(-1);
      for (int64_t i = n - kEdgeItems; i < n; ++i) out.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) out.push_back(i);
    }
    return out;
  }

  void collect(size_t d, int64_t base, std::vector<int64_t>& shown) const {
    if (d == shape_.size()) {
      shown.push_back(base);
      return;
    }
    for (int64_t i : entries(d))
      if (i >= 0) collect(d + 1, base + i * strides_[d], shown);
  }

  std::string render(size_t d, int64_t base, int64_t indent, const Formatter& f) const {
    const size_t dims = shape_.size();
    if (dims == 0) return f.format(0);
    if (d + 1 == dims) {  // _vector_str
      const int64_t element_length = static_cast<int64_t>(f.width()) + 2;
      const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / element_length);
      std::vector<std::string> data;
      for (int64_t i : entries(d)) data.push_back(i < 0 ? " ..." : f.format(base + i * strides_[d]));
      std::string out = "[";
      for (size_t k = 0; k < data.size(); ++k) {
        if (k > 0) out += k % per_line == 0 ? ",\n" + std::string(static_cast<size_t>(indent + 1), ' ') : ", ";
        out += data[k];
      }
      return out + "]";
    }
    const std::string separator = "," + std::string(dims - d - 1, '\n') + std::string(static_cast<size_t>(indent + 1), ' ');
    std::string out = "[";
    bool first = true;
    for (int64_t i : entries(d)) {
      if (!first) out += separator;
      first = false;
      out += i < 0 ? "..." : render(d + 1, base + i * strides_[d], indent + 1, f);
    }
    return out + "]";
  }

 private:
  Shape shape_;
  Shape strides_;
  bool summarize_;
};

std::string shape_tuple(const Shape& shape) {  // Python's str(tuple(shape)): "(0, 3)", "(0,)"
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) suffixes.push_back("size=" + shape_tuple(t.shape()));
    if (t.dtype() != kFloat32) suffixes.push_back(std::string("dtype=torch.") + to_string(t.dtype()));
    body = "[]";
  } else {
    const Elements elements(t);
    const Printer printer(t.shape(), t.numel() > kThreshold);
    std::vector<int64_t> shown;
    printer.collect(0, 0, shown);
    const Formatter formatter(elements, shown);
    body = printer.render(0, 0, indent, formatter);
  }
  if (t.grad_fn())
    suffixes.push_back("grad_fn=<" + detail::grad_fn_name(t) + ">");
  else if (t.requires_grad())
    suffixes.push_back("requires_grad=True");

  // _add_suffixes: a suffix goes on a new line when it would pass the line width.
  std::string out = prefix + body;
  const size_t newline = out.rfind('\n');
  // PyTorch's count (len - rfind + 1) is two more than the last line's length; kept to wrap alike.
  int64_t last_line = static_cast<int64_t>(out.size()) - (newline == std::string::npos ? -1 : static_cast<int64_t>(newline)) + 1;
  for (const std::string& suffix : suffixes) {
    const int64_t length = static_cast<int64_t>(suffix.size());
    if (last_line + length + 2 > kLineWidth) {
      out += ",\n" + std::string(static_cast<size_t>(indent), ' ') + suffix;
      last_line = indent + length;
    } else {
      out += ", " + suffix;
      last_line += length + 2;
    }
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }
std::ostream& operator<<(std::ostream& os, Dtype dtype) { return os << "fovea." << to_string(dtype); }

}  // namespace fovea
