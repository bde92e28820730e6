#pragma once
// Test helpers over fovea::autograd::gradcheck (include/fovea/gradcheck.hpp, which explains what is
// compared and which tolerances float32 allows).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/gradcheck.hpp"
#include "fovea/ops.hpp"

namespace fovea::testing {

// Every float32 input is checked (made to require grad on a detached handle, so the caller's tensor
// is left alone); a disagreement is one test failure naming the input, the element and both values.
// h is the step, the same for every element as it always was here (tests such as max pooling's
// space their values for it); tol is both atol and rtol.
inline void expect_gradients_match(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                   std::vector<Tensor> inputs, float h = 1e-2f, float tol = 2e-2f) {
  for (Tensor& t : inputs)
    if (t.defined() && t.dtype() == kFloat32 && !t.requires_grad()) t = t.detach().requires_grad_(true);
  autograd::GradcheckOptions options;
  options.eps = h;
  options.relative_step = false;
  options.atol = tol;
  options.rtol = tol;
  try {
    autograd::gradcheck(f, inputs, options);
  } catch (const GradcheckError& e) {
    ADD_FAILURE() << e.what();
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
