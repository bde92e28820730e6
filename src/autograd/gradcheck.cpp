// fovea::autograd::gradcheck: the contract and the reasoning behind the tolerances are in
// include/fovea/gradcheck.hpp.
#include "fovea/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::autograd {

namespace {

// A copy with the same shape, strides and offset over a copy of the whole storage, so that f sees
// the same memory layout as the caller's tensor (a transposed input stays transposed) while the
// caller's elements are never written. A blocked tensor becomes a row-major copy: its layout is
// invisible to f by design.
Tensor private_copy(const Tensor& t) {
  if (t.layout() == Layout::Blocked) {
    Tensor out = Tensor::empty(t.shape(), t.dtype());
    detail::copy_elements(out, t);
    return out;
  }
  const TensorImpl& from = *t.impl();
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(from.storage->nbytes);
  if (from.storage->nbytes > 0) std::memcpy(impl->storage->data, from.storage->data, from.storage->nbytes);
  impl->offset = from.offset;
  impl->shape = from.shape;
  impl->strides = from.strides;
  impl->dtype = from.dtype;
  return Tensor(impl);
}

// Storage offsets (relative to the first element) of every element, in row-major logical order.
std::vector<int64_t> element_offsets(const Tensor& t) {
  std::vector<int64_t> offsets;
  offsets.reserve(static_cast<size_t>(t.numel()));
  if (t.numel() == 0) return offsets;
  const Shape& shape = t.shape();
  const Shape& strides = t.strides();
  Shape index(shape.size(), 0);
  int64_t offset = 0;
  for (int64_t n = 0; n < t.numel(); ++n) {
    offsets.push_back(offset);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        offset += strides[d];
        break;
      }
      offset -= strides[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
  return offsets;
}

std::string multi_index(const Shape& shape, int64_t flat) {
  Shape index(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    index[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return to_string(index);
}

bool checked(const Tensor& t) { return t.defined() && t.dtype() == kFloat32 && t.requires_grad(); }

// Throws or returns false, as the options ask.
bool fail(const GradcheckOptions& options, const std::string& message) {
  if (options.raise) throw GradcheckError("gradcheck: " + message);
  return false;
}

}  // namespace

bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options) {
  FOVEA_CHECK(options.eps > 0 && options.atol >= 0 && options.rtol >= 0, ValueError,
              "gradcheck: eps must be positive and atol, rtol non-negative, got eps ", options.eps, ", atol ",
              options.atol, ", rtol ", options.rtol);
  bool any_checked = false;
  std::vector<Tensor> x;
  x.reserve(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& t = inputs[k];
    if (!t.defined()) {
      x.push_back(t);
      continue;
    }
    if (checked(t)) {
      any_checked = true;
      for (int64_t d = 0; d < t.dim(); ++d)
        FOVEA_CHECK(t.stride(d) != 0 || t.size(d) <= 1, ValueError, "gradcheck: input ", k, " of shape ",
                    to_string(t.shape()), " has stride 0 in dimension ", d,
                    " (an expanded tensor): its elements overlap, so perturbing one moves several; pass a "
                    "contiguous copy");
    }
    Tensor copy = private_copy(t);
    if (checked(t)) copy.requires_grad_(true);
    x.push_back(copy);
  }
  FOVEA_CHECK(any_checked, ValueError,
              "gradcheck: no input requires grad (only float32 inputs with requires_grad are checked)");

  // ---- analytic: one backward with R as the output's gradient ----
  Tensor out = f(x);
  FOVEA_CHECK(out.defined() && out.dtype() == kFloat32, ValueError,
              "gradcheck: f must return a defined float32 tensor, got ",
              out.defined() ? std::string("a ") + to_string(out.dtype()) + " tensor" : std::string("an undefined one"));
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<float> magnitude(0.5f, 1.5f);
  // Weights of +-[0.5, 1.5): random enough that no symmetry hides an error, never so small that
  // an output element drops out of L.
  std::vector<float> r(static_cast<size_t>(out.numel()));
  for (float& v : r) v = (rng() & 1 ? 1.0f : -1.0f) * magnitude(rng);
  const Tensor weights = from_vector(r, out.shape());
  if (out.requires_grad()) {
    try {
      out.backward(weights);
    } catch (const GradcheckError&) {
      throw;
    } catch (const Error& e) {
      return fail(options, std::string("the backward of f's output failed: ") + e.what());
    }
  }
  out = Tensor();

  auto loss_at = [&]() {
    NoGradGuard no_grad;
    Tensor y = f(x);
    FOVEA_CHECK(y.defined() && y.shape() == Shape(weights.shape()), ValueError,
                "gradcheck: f returned shape ", y.defined() ? to_string(y.shape()) : std::string("undefined"),
                " for perturbed inputs but ", to_string(weights.shape()), " the first time");
    const std::vector<float> values = y.to_vector<float>();
    double total = 0;
    for (size_t j = 0; j < values.size(); ++j) total += double(values[j]) * double(r[j]);
    return total;
  };

  // ---- numeric: central differences, element by element ----
  for (size_t k = 0; k < x.size(); ++k) {
    if (!checked(inputs[k])) continue;
    Tensor& xk = x[k];
    const Tensor grad = xk.grad();
    std::vector<float> analytic;
    if (grad.defined()) {
      if (grad.dtype() != kFloat32 || grad.shape() != xk.shape())
        return fail(options, "input " + std::to_string(k) + " of shape " + to_string(xk.shape()) +
                                 " got a gradient of shape " + to_string(grad.shape()) + " and dtype " +
                                 to_string(grad.dtype()));
      analytic = grad.to_vector<float>();
    } else {
      analytic.assign(static_cast<size_t>(xk.numel()), 0.0f);  // undefined: no dependence, zero
    }
    float* base = xk.data_ptr<float>();
    const std::vector<int64_t> offsets = element_offsets(xk);
    for (size_t i = 0; i < offsets.size(); ++i) {
      float& element = base[offsets[i]];
      const float saved = element;
      const double h = options.relative_step ? options.eps * std::max(1.0, std::fabs(double(saved))) : options.eps;
      const float up_x = static_cast<float>(saved + h);
      const float down_x = static_cast<float>(saved - h);
      FOVEA_CHECK(up_x != down_x, ValueError, "gradcheck: input ", k, " element ", i, " (value ", saved, "): a step of ",
                  h, " does not change it in float32; use a larger eps (or relative_step)");
      double up = 0, down = 0;
      try {
        element = up_x;
        up = loss_at();
        element = down_x;
        down = loss_at();
      } catch (...) {
        element = saved;
        throw;
      }
      element = saved;
      // The step float32 actually took, not the one asked for.
      const double numeric = (up - down) / (double(up_x) - double(down_x));
      const double a = analytic[i];
      const double tolerance = options.atol + options.rtol * std::fabs(numeric);
      if (!(std::fabs(a - numeric) <= tolerance)) {
        std::ostringstream os;
        os.precision(8);
        os << "input " << k << " (shape " << to_string(xk.shape()) << "), element " << i << " (index "
           << multi_index(xk.shape(), static_cast<int64_t>(i)) << ", value " << saved << "): analytic gradient "
           << a << (grad.defined() ? "" : " (no gradient reached this input)") << ", numeric " << numeric
           << "; difference " << std::fabs(a - numeric) << " > tolerance " << tolerance << " (atol "
           << options.atol << " + rtol " << options.rtol << " * |numeric|, step " << h << ")";
        return fail(options, os.str());
      }
    }
  }
  return true;
}

}  // namespace fovea::autograd
