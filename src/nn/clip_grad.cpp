// The loops stay here rather than in kernels/: they run once a step over each gradient, are
// bound by memory, and the norms are accumulated in double (torch accumulates float32 in its own
// order, so neither is bit-exact to the other; double keeps fovea within a float's rounding).
#include <algorithm>
#include <cmath>

#include "fovea/error.hpp"
#include "fovea/nn/utils.hpp"

namespace fovea::nn::utils {

namespace {

std::vector<Tensor> grads_of(const std::vector<Tensor>& parameters) {
  std::vector<Tensor> out;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) out.push_back(p.grad());
  return out;
}

// torch.norm(g, p) of one gradient, rounded to float32 as torch's result is.
float norm_of(const Tensor& g, double p) {
  const float* x = g.data();
  const int64_t n = g.numel();
  if (std::isinf(p)) {
    float m = 0.0f;
    for (int64_t k = 0; k < n; ++k) m = std::isnan(x[k]) || std::fabs(x[k]) > m ? std::fabs(x[k]) : m;
    return m;
  }
  double sum = 0.0;
  if (p == 2.0)
    for (int64_t k = 0; k < n; ++k) sum += double(x[k]) * double(x[k]);
  else if (p == 1.0)
    for (int64_t k = 0; k < n; ++k) sum += std::fabs(double(x[k]));
  else
    for (int64_t k = 0; k < n; ++k) sum += std::pow(std::fabs(double(x[k])), p);
  return static_cast<float>(p == 1.0 ? sum : p == 2.0 ? std::sqrt(sum) : std::pow(sum, 1.0 / p));
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  FOVEA_CHECK(norm_type > 0.0, ValueError, "clip_grad_norm_: invalid norm_type ", norm_type,
              " (expected a positive number or inf)");
  FOVEA_CHECK(!std::isnan(max_norm), ValueError, "clip_grad_norm_: max_norm is nan");
  std::vector<Tensor> grads = grads_of(parameters);
  if (grads.empty()) return 0.0;
  // The norm of the per-parameter norms, each rounded to float first as torch's stack of them is.
  std::vector<float> norms;
  for (const Tensor& g : grads) norms.push_back(norm_of(g, norm_type));
  float total = 0.0f;
  if (std::isinf(norm_type)) {
    for (float n : norms) total = std::isnan(n) || n > total ? n : total;
  } else {
    total = norm_of(from_vector(norms, {static_cast<int64_t>(norms.size())}), norm_type);
  }
  FOVEA_CHECK(!error_if_nonfinite || std::isfinite(total), ValueError, "clip_grad_norm_: the total norm of order ",
              norm_type, " of the gradients is ", total, ", so they cannot be clipped (pass error_if_nonfinite = false "
              "to scale them anyway)");
  // torch: clamp(max_norm / (total_norm + 1e-6), max=1.0), in float32; a factor of 1 changes nothing.
  const float coef = std::min(static_cast<float>(max_norm) / (total + 1e-6f), 1.0f);
  for (Tensor& g : grads) {
    float* x = g.data();
    for (int64_t k = 0, n = g.numel(); k < n; ++k) x[k] *= coef;
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  FOVEA_CHECK(clip_value >= 0.0, ValueError, "clip_grad_value_: invalid clip_value ", clip_value,
              " (expected >= 0)");
  const float c = static_cast<float>(clip_value);
  for (Tensor& g : grads_of(parameters)) {
    float* x = g.data();
    // torch's clamp_: NaN stays NaN.
    for (int64_t k = 0, n = g.numel(); k < n; ++k) x[k] = std::isnan(x[k]) ? x[k] : std::clamp(x[k], -c, c);
  }
}

}  // namespace fovea::nn::utils
