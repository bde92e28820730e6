#pragma once
// Finite-difference gradient check: compares autograd's gradient of L = sum(f(inputs) * R), with R
// a fixed random tensor (so no symmetry hides an error), against central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/ops.hpp"

namespace fovea::testing {

inline void expect_gradients_match(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                   std::vector<Tensor> inputs, float h = 1e-2f, float tol = 2e-2f) {
  for (Tensor& t : inputs) t.requires_grad_(true);
  Tensor probe = f(inputs);
  Tensor weights = randn(probe.shape());
  auto loss_at = [&]() {
    NoGradGuard no_grad;
    Tensor out = f(inputs);
    double total = 0;
    for (int64_t i = 0; i < out.numel(); ++i) total += double(out.data()[i]) * weights.data()[i];
    return total;
  };
  Tensor loss = sum(mul(f(inputs), weights));
  loss.backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    ASSERT_TRUE(x.grad().defined()) << "input " << k << " got no gradient";
    for (int64_t i = 0; i < x.numel(); ++i) {
      float saved = x.data()[i];
      x.data()[i] = saved + h;
      double up = loss_at();
      x.data()[i] = saved - h;
      double down = loss_at();
      x.data()[i] = saved;
      double numeric = (up - down) / (2.0 * h);
      double analytic = x.grad().data()[i];
      ASSERT_NEAR(analytic, numeric, tol * std::max(1.0, std::fabs(numeric)))
          << "input " << k << " element " << i;
    }
  }
}

// Relative closeness of whole tensors: |a - b| <= rtol * max|b| + atol elementwise.
inline void expect_close(const Tensor& actual, const Tensor& expected, double rtol = 1e-4, double atol = 1e-6,
                         const std::string& what = "") {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  double scale = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) scale = std::max(scale, double(std::fabs(expected.data()[i])));
  for (int64_t i = 0; i < expected.numel(); ++i)
    ASSERT_NEAR(actual.data()[i], expected.data()[i], rtol * scale + atol) << what << " element " << i;
}

}  // namespace fovea::testing
