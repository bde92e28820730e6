// fovea::autograd::gradcheck: passes correct backwards, catches wrong ones, leaves its inputs alone.
#include "fovea/gradcheck.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"

namespace fovea {
namespace {

using V = std::vector<Tensor>;
using autograd::gradcheck;
using autograd::GradcheckOptions;

// x * x with a hand-written backward scaled by `factor` (2 is right).
Tensor square(const Tensor& x, float factor) {
  Tensor xd = x.detach();
  Tensor out = mul(xd, xd);
  if (needs_graph({&x}))
    record(out, "SquareBackward", {x}, [xd, factor](const Tensor& g) { return V{mul(mul(g, xd), factor)}; }, {xd});
  return out;
}

Tensor leaf(const Shape& shape) { return randn(shape).requires_grad_(true); }

TEST(Gradcheck, PassesForCorrectOps) {
  manual_seed(1);
  EXPECT_TRUE(gradcheck([](const V& v) { return mul(v[0], v[1]); }, {leaf({3, 4}), leaf({4})}));
  EXPECT_TRUE(gradcheck([](const V& v) { return linear(v[0], v[1], v[2]); }, {leaf({2, 5}), leaf({3, 5}), leaf({3})}));
  EXPECT_TRUE(gradcheck([](const V& v) { return square(v[0], 2.0f); }, {leaf({2, 3})}));
}

TEST(Gradcheck, CatchesABackwardOffByAFactor) {
  manual_seed(2);
  Tensor x = leaf({2, 3});
  try {
    gradcheck([](const V& v) { return square(v[0], 2.5f); }, {x});
    FAIL() << "a backward off by 25% passed";
  } catch (const GradcheckError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("input 0"), std::string::npos) << what;
    EXPECT_NE(what.find("element 0"), std::string::npos) << what;
    EXPECT_NE(what.find("analytic gradient"), std::string::npos) << what;
    EXPECT_NE(what.find("numeric"), std::string::npos) << what;
  }
}

TEST(Gradcheck, RaiseFalseReturnsFalse) {
  manual_seed(3);
  GradcheckOptions options;
  options.raise = false;
  EXPECT_FALSE(gradcheck([](const V& v) { return square(v[0], -2.0f); }, {leaf({4})}, options));
  EXPECT_TRUE(gradcheck([](const V& v) { return square(v[0], 2.0f); }, {leaf({4})}, options));
}

TEST(Gradcheck, DoesNotModifyItsInputs) {
  manual_seed(4);
  Tensor a = leaf({3, 4});
  Tensor b = randn({4, 3}).t().requires_grad_(true);  // non-contiguous, checked as such
  const std::vector<float> a_before = a.to_vector(), b_before = b.to_vector();
  const Shape b_strides = b.strides();
  EXPECT_TRUE(gradcheck([](const V& v) { return mul(v[0], v[1]); }, {a, b}));
  EXPECT_EQ(0, std::memcmp(a_before.data(), a.to_vector().data(), a_before.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(b_before.data(), b.to_vector().data(), b_before.size() * sizeof(float)));
  EXPECT_EQ(b.strides(), b_strides);
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  EXPECT_TRUE(a.requires_grad());
}

TEST(Gradcheck, SeesTheInputsLayout) {
  manual_seed(5);
  Tensor b = randn({4, 3}).t().requires_grad_(true);
  bool saw_transposed = false;
  gradcheck(
      [&](const V& v) {
        saw_transposed = saw_transposed || !v[0].is_contiguous();
        return mul(v[0], 2.0f);
      },
      {b});
  EXPECT_TRUE(saw_transposed);
}

TEST(Gradcheck, UnusedInputAndPassThroughInputs) {
  manual_seed(6);
  // The output ignores input 1: its gradient is undefined, which counts as zero.
  EXPECT_TRUE(gradcheck([](const V& v) { return mul(v[0], 3.0f); }, {leaf({3}), leaf({3})}));
  // int64 targets and float inputs without requires_grad pass through unperturbed.
  Tensor target = tensor({2, 0, 1});
  Tensor scale = randn({3, 4});
  EXPECT_TRUE(gradcheck([](const V& v) { return cross_entropy(mul(v[0], v[2]), v[1]); },
                        {leaf({3, 4}), target, scale}));
}

TEST(Gradcheck, CatchesAGradientForAnInputTheOutputIgnores) {
  manual_seed(7);
  auto f = [](const V& v) {
    Tensor out = mul(v[0].detach(), 2.0f);
    if (needs_graph({&v[0], &v[1]}))
      record(out, "LeakyBackward", {v[0], v[1]}, [](const Tensor& g) { return V{mul(g, 2.0f), g}; });
    return out;
  };
  GradcheckOptions options;
  options.raise = false;
  EXPECT_FALSE(gradcheck(f, {leaf({3}), leaf({3})}, options));
}

TEST(Gradcheck, ReportsABackwardWithTheWrongCountOrShape) {
  manual_seed(8);
  auto wrong_count = [](const V& v) {
    Tensor out = mul(v[0].detach(), 2.0f);
    if (needs_graph({&v[0]})) record(out, "CountBackward", {v[0]}, [](const Tensor& g) { return V{g, g}; });
    return out;
  };
  auto wrong_shape = [](const V& v) {
    Tensor out = mul(v[0].detach(), 2.0f);
    if (needs_graph({&v[0]}))
      record(out, "ShapeBackward", {v[0]}, [](const Tensor& g) { return V{g.reshape({-1})}; });
    return out;
  };
  EXPECT_THROW(gradcheck(wrong_count, {leaf({2, 2})}), GradcheckError);
  try {
    gradcheck(wrong_shape, {leaf({2, 2})});
    FAIL() << "a gradient of the wrong shape passed";
  } catch (const GradcheckError& e) {
    EXPECT_NE(std::string(e.what()).find("ShapeBackward"), std::string::npos) << e.what();
  }
  GradcheckOptions options;
  options.raise = false;
  EXPECT_FALSE(gradcheck(wrong_count, {leaf({2, 2})}, options));
}

TEST(Gradcheck, RefusesUnusableArguments) {
  EXPECT_THROW(gradcheck([](const V& v) { return mul(v[0], 2.0f); }, {randn({3})}), ValueError);
  Tensor expanded = randn({1, 3}).expand({4, 3}).detach().requires_grad_(true);
  EXPECT_THROW(gradcheck([](const V& v) { return mul(v[0], 2.0f); }, {expanded}), ValueError);
  EXPECT_THROW(gradcheck([](const V& v) { return v[0].argmax(0); }, {leaf({3, 2})}), ValueError);
  // A fixed step float32 cannot resolve at 1e6 (its spacing there is 0.0625).
  GradcheckOptions fixed;
  fixed.relative_step = false;
  fixed.eps = 1e-3;
  Tensor big = full({2}, 1e6f).requires_grad_(true);
  EXPECT_THROW(gradcheck([](const V& v) { return mul(v[0], 2.0f); }, {big}, fixed), ValueError);
}

// The default step grows with |x|, so large inputs are checked with steps float32 can take.
TEST(Gradcheck, RelativeStepHandlesLargeInputs) {
  Tensor big = from_vector({1e6f, -3e5f, 2.0f}, {3}).requires_grad_(true);
  GradcheckOptions options;
  options.eps = 1e-4;
  EXPECT_TRUE(gradcheck([](const V& v) { return mul(v[0], 3.0f); }, {big}, options));
}

}  // namespace
}  // namespace fovea
