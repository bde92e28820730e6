// Gradients of the elementwise ops: every differentiable op against finite differences (inputs
// kept away from kinks, where a difference quotient straddles two slopes), PyTorch's gradients at
// the kinks themselves, broadcast inputs summed back, and the in-place rules.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/gradcheck.hpp"

using namespace fovea;
using fovea::testing::expect_gradients_match;
using V = std::vector<Tensor>;

namespace {

class ElementwiseGrad : public ::testing::Test {
 protected:
  void SetUp() override { manual_seed(11); }
};

// Values in [lo, hi], none closer than 0.05 to any of `kinks` (the finite-difference step is 0.01).
Tensor away_from(const Shape& shape, float lo, float hi, std::vector<float> kinks = {0.0f}) {
  Tensor t = rand(shape, lo, hi);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i)
    for (float k : kinks)
      if (std::fabs(p[i] - k) < 0.05f) p[i] = k + (p[i] < k ? -0.05f : 0.05f);
  return t;
}

std::vector<float> grad_of(const Tensor& t) { return t.grad().to_vector(); }

}  // namespace

TEST_F(ElementwiseGrad, Arithmetic) {
  expect_gradients_match([](const V& v) { return add(v[0], v[1], 0.7f); }, {randn({2, 3}), randn({2, 3})});
  expect_gradients_match([](const V& v) { return sub(v[0], v[1], 1.5f); }, {randn({2, 3}), randn({2, 3})});
  expect_gradients_match([](const V& v) { return v[0] * v[1]; }, {randn({2, 3}), randn({2, 3})});
  expect_gradients_match([](const V& v) { return v[0] / v[1]; }, {randn({2, 3}), rand({2, 3}, 1.0f, 2.0f)});
  expect_gradients_match([](const V& v) { return (v[0] + 2.0f) * 3.0f - 1.0f; }, {randn({4})});
  expect_gradients_match([](const V& v) { return (2.0f - v[0]) / 4.0f; }, {randn({4})});
  expect_gradients_match([](const V& v) { return 3.0f / v[0]; }, {rand({4}, 1.0f, 2.0f)});
  expect_gradients_match([](const V& v) { return -v[0]; }, {randn({4})});
}

TEST_F(ElementwiseGrad, BroadcastInputsAreSummedBack) {
  // [3, 1] with [4], a 0-d tensor with [2, 3], and [2, 1, 3] with [4, 1].
  expect_gradients_match([](const V& v) { return v[0] * v[1] + v[0]; }, {randn({3, 1}), randn({4})});
  expect_gradients_match([](const V& v) { return v[0] / v[1]; }, {randn({2, 3}), rand({}, 1.0f, 2.0f)});
  expect_gradients_match([](const V& v) { return sub(v[0], v[1], 0.5f); }, {randn({2, 1, 3}), randn({4, 1})});
  expect_gradients_match([](const V& v) { return maximum(v[0], v[1]); },
                         {away_from({3, 1}, -1, 1, {0.3f}), full({4}, 0.3f)});
  expect_gradients_match([](const V& v) { return pow(v[0], v[1]); }, {rand({3, 1}, 0.5f, 2.0f), randn({4})});
  Tensor a = ones({3, 1}).requires_grad_(), b = ones({4}).requires_grad_();
  sum(a * b).backward();
  EXPECT_EQ(a.grad().shape(), (Shape{3, 1}));
  EXPECT_EQ(grad_of(a), std::vector<float>(3, 4.0f));
  EXPECT_EQ(grad_of(b), std::vector<float>(4, 3.0f));
}

TEST_F(ElementwiseGrad, Math) {
  expect_gradients_match([](const V& v) { return abs(v[0]); }, {away_from({6}, -2, 2)});
  expect_gradients_match([](const V& v) { return exp(v[0]); }, {randn({6})});
  expect_gradients_match([](const V& v) { return log(v[0]); }, {rand({6}, 0.5f, 3.0f)});
  expect_gradients_match([](const V& v) { return sqrt(v[0]); }, {rand({6}, 0.5f, 3.0f)});
  expect_gradients_match([](const V& v) { return rsqrt(v[0]); }, {rand({6}, 0.5f, 3.0f)});
  for (float e : {2.0f, 3.0f, 0.5f, -0.5f, -1.0f, 2.5f, 1.0f})
    expect_gradients_match([e](const V& v) { return pow(v[0], e); }, {rand({6}, 0.5f, 2.0f)});
  expect_gradients_match([](const V& v) { return pow(v[0], v[1]); }, {rand({6}, 0.5f, 2.0f), randn({6})});
  expect_gradients_match([](const V& v) { return clamp(v[0], -0.5f, 0.7f); }, {away_from({8}, -2, 2, {-0.5f, 0.7f})});
  expect_gradients_match([](const V& v) { return clamp(v[0], std::nullopt, 0.2f); }, {away_from({8}, -2, 2, {0.2f})});
  expect_gradients_match([](const V& v) { return maximum(v[0], v[1]); }, {rand({8}, -1, 0), rand({8}, 0.1f, 1)});
  expect_gradients_match([](const V& v) { return minimum(v[0], v[1]); }, {rand({8}, -1, 0), rand({8}, 0.1f, 1)});
  const Tensor c = from_vector(std::vector<bool>{true, false, false, true}, {4});
  expect_gradients_match([c](const V& v) { return where(c, v[0], v[1]); }, {randn({4}), randn({2, 4})});
  expect_gradients_match([c](const V& v) { return where(c, v[0], 2.0f) + where(c, 1.0f, v[0]); }, {randn({4})});
}

TEST_F(ElementwiseGrad, Activations) {
  expect_gradients_match([](const V& v) { return relu(v[0]); }, {away_from({8}, -2, 2)});
  expect_gradients_match([](const V& v) { return leaky_relu(v[0], 0.2f); }, {away_from({8}, -2, 2)});
  expect_gradients_match([](const V& v) { return sigmoid(v[0]); }, {randn({8}) * 3.0f});
  expect_gradients_match([](const V& v) { return tanh(v[0]); }, {randn({8}) * 2.0f});
  expect_gradients_match([](const V& v) { return gelu(v[0]); }, {randn({8}) * 2.0f});
  expect_gradients_match([](const V& v) { return gelu(v[0], "tanh"); }, {randn({8}) * 2.0f});
  expect_gradients_match([](const V& v) { return silu(v[0]); }, {randn({8}) * 3.0f});
}

TEST_F(ElementwiseGrad, KinksTakePyTorchsSide) {
  // torch 1.13: abs'(0) = 0, relu'(0) = 0, leaky_relu'(0) = slope, clamp passes at its bounds,
  // maximum/minimum split ties in half, pow(x, 0)' = 0, d/de 0^e = 0 for e >= 0.
  Tensor x = from_vector({0.0f, 1.0f, -2.0f}, {3}).requires_grad_();
  sum(abs(x)).backward();
  EXPECT_EQ(grad_of(x), (std::vector<float>{0, 1, -1}));
  x.set_grad(Tensor());
  sum(relu(x)).backward();
  EXPECT_EQ(grad_of(x), (std::vector<float>{0, 1, 0}));
  x.set_grad(Tensor());
  sum(leaky_relu(x, 0.1f)).backward();
  EXPECT_EQ(grad_of(x), (std::vector<float>{0.1f, 1, 0.1f}));
  x.set_grad(Tensor());
  sum(clamp(x, 0.0f, 1.0f)).backward();
  EXPECT_EQ(grad_of(x), (std::vector<float>{1, 1, 0}));
  x.set_grad(Tensor());
  sum(pow(x, 0.0f)).backward();
  EXPECT_EQ(grad_of(x), (std::vector<float>{0, 0, 0}));

  Tensor a = from_vector({1, 2, 3}, {3}).requires_grad_(), b = from_vector({1, 1, 4}, {3}).requires_grad_();
  sum(maximum(a, b)).backward();
  EXPECT_EQ(grad_of(a), (std::vector<float>{0.5f, 1, 0}));
  EXPECT_EQ(grad_of(b), (std::vector<float>{0.5f, 0, 1}));

  Tensor base = from_vector({0.0f, 1.0f, -2.0f}, {3}).requires_grad_(),
         e = from_vector({2, 0, 3}, {3}).requires_grad_();
  sum(pow(base, e)).backward();
  EXPECT_EQ(grad_of(base), (std::vector<float>{0, 0, 12}));
  const std::vector<float> ge = grad_of(e);
  EXPECT_EQ(ge[0], 0.0f);
  EXPECT_EQ(ge[1], 0.0f);
  EXPECT_TRUE(std::isnan(ge[2]));  // log of a negative base, as torch
}

// ---- in place ----

TEST(ElementwiseInPlace, ValuesAndBroadcasting) {
  Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  t.add_(from_vector({10, 20, 30}, {3}));
  EXPECT_EQ(t.to_vector(), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  t.sub_(ones({2, 1}), 2.0f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{9, 20, 31, 12, 23, 34}));
  t.mul_(2.0f).div_(4.0f).add_(1.0f).sub_(0.5f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{5, 10.5f, 16, 6.5f, 12, 17.5f}));
  t.clamp_(6.0f, 16.0f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{6, 10.5f, 16, 6.5f, 12, 16}));
  t -= 10.0f;
  t.relu_();
  EXPECT_EQ(t.to_vector(), (std::vector<float>{0, 0.5f, 6, 0, 2, 6}));
  t *= full({}, 2.0f);
  t /= from_vector({1, 2, 4}, {3});
  t += t;
  EXPECT_EQ(t.to_vector(), (std::vector<float>{0, 1, 6, 0, 4, 6}));
  t.zero_();
  EXPECT_EQ(t.to_vector(), std::vector<float>(6, 0.0f));
  Tensor ints = arange(4);
  ints.fill_(7.0f);
  EXPECT_EQ(ints.to_vector<int64_t>(), std::vector<int64_t>(4, 7));
  // The result must keep self's shape: [3] cannot take a [2, 3] operand in place.
  Tensor small = ones({3});
  EXPECT_THROW(small.add_(ones({2, 3})), ShapeError);
  EXPECT_THROW(ints.add_(1.0f), TypeError);
  EXPECT_THROW(small.mul_(arange(3)), TypeError);
}

TEST(ElementwiseInPlace, StridedAndOverlappingOperands) {
  // Through a transposed view: the base sees the writes.
  Tensor base = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor view = base.t();
  view.mul_(from_vector({1, 10}, {2}));
  EXPECT_EQ(base.to_vector(), (std::vector<float>{1, 2, 3, 40, 50, 60}));
  // An operand overlapping self shifted by one reads the old values, not the half-written ones.
  Tensor line = from_vector({1, 2, 3, 4}, {4});
  Tensor tail = line.slice(0, 1, 4);
  tail.add_(line.slice(0, 0, 3));
  EXPECT_EQ(line.to_vector(), (std::vector<float>{1, 3, 5, 7}));
  Tensor sq = from_vector({1, 2, 3}, {3});
  sq.mul_(sq);
  EXPECT_EQ(sq.to_vector(), (std::vector<float>{1, 4, 9}));
  // An expanded tensor repeats one element: only fill_ may write it, as in PyTorch.
  Tensor repeated = zeros({1}).expand({3});
  EXPECT_THROW(repeated.add_(1.0f), ValueError);
  EXPECT_THROW(repeated.relu_(), ValueError);
  EXPECT_THROW(repeated.copy_(ones({3})), ValueError);
  repeated.fill_(2.0f);
  EXPECT_EQ(repeated.to_vector(), std::vector<float>(3, 2.0f));
}

TEST(ElementwiseInPlace, LeafThatRequiresGradIsRefused) {
  Tensor w = ones({3}).requires_grad_();
  EXPECT_THROW(w.add_(1.0f), Error);
  EXPECT_THROW(w.mul_(ones({3})), Error);
  EXPECT_THROW(w.relu_(), Error);
  EXPECT_THROW(w.fill_(0.0f), Error);
  EXPECT_THROW(w.copy_(zeros({3})), Error);
  EXPECT_THROW(w += 1.0f, Error);
  NoGradGuard no_grad;  // an optimizer step
  w.sub_(ones({3}), 0.5f);
  EXPECT_EQ(w.to_vector(), std::vector<float>(3, 0.5f));
}

TEST(ElementwiseInPlace, GradientsAreThoseOfTheOutOfPlaceOp) {
  // x = a * 2; x.mul_(b): torch gives a.grad = 2b, b.grad = 2a.
  Tensor a = from_vector({1, 2, 3}, {3}).requires_grad_(), b = from_vector({4, 5, 6}, {3}).requires_grad_();
  Tensor x = a * 2.0f;
  x.mul_(b);
  EXPECT_TRUE(x.requires_grad());
  sum(x).backward();
  EXPECT_EQ(grad_of(a), (std::vector<float>{8, 10, 12}));
  EXPECT_EQ(grad_of(b), (std::vector<float>{2, 4, 6}));

  a.set_grad(Tensor());
  b.set_grad(Tensor());
  Tensor y = a * 2.0f;
  y.div_(b);
  sum(y).backward();
  EXPECT_NEAR(grad_of(a)[0], 0.5f, 1e-7);
  EXPECT_NEAR(grad_of(b)[0], -0.125f, 1e-7);  // -2a / b^2

  Tensor c = from_vector({-1.0f, 0.5f, 3.0f}, {3}).requires_grad_();
  Tensor z = c * 2.0f;
  z.clamp_(-1.0f, 2.0f);
  sum(z).backward();
  EXPECT_EQ(grad_of(c), (std::vector<float>{0, 2, 0}));

  c.set_grad(Tensor());
  Tensor r = c * 2.0f;
  r.relu_();
  sum(r * r).backward();
  EXPECT_EQ(grad_of(c), (std::vector<float>{0, 4, 24}));

  // Self as the operand: y.add_(y) is 2y, and y.mul_(y) fails at backward as in torch (mul saved
  // the y it then overwrote).
  Tensor d = from_vector({1, 2}, {2}).requires_grad_();
  Tensor twice = d * 2.0f;
  twice.add_(twice);
  sum(twice).backward();
  EXPECT_EQ(grad_of(d), std::vector<float>(2, 4.0f));
  Tensor squared = d * 2.0f;
  squared.mul_(squared);
  EXPECT_THROW(sum(squared).backward(), Error);

  // A leaf that does not require grad joins the graph through what is added into it.
  Tensor acc = zeros({3}), w = from_vector({1, 2, 3}, {3}).requires_grad_();
  acc.add_(w, 3.0f);
  EXPECT_FALSE(acc.is_leaf());
  sum(acc).backward();
  EXPECT_EQ(grad_of(w), std::vector<float>(3, 3.0f));
}

TEST(ElementwiseInPlace, CopyAndFillCutTheOldValuesOff) {
  Tensor a = from_vector({-1.0f, 0.5f, 3.0f}, {3}).requires_grad_(), w = full({3}, 2.0f).requires_grad_();
  Tensor y = a * 1.0f;
  y.copy_(w * 3.0f);
  sum(y).backward();
  EXPECT_EQ(grad_of(a), std::vector<float>(3, 0.0f));  // torch: zeros
  EXPECT_EQ(grad_of(w), std::vector<float>(3, 3.0f));
  a.set_grad(Tensor());
  Tensor f = a * 1.0f;
  f.fill_(2.0f);
  EXPECT_TRUE(f.requires_grad());
  sum(f).backward();
  EXPECT_EQ(grad_of(a), std::vector<float>(3, 0.0f));
  // copy_ broadcasts the source and sums its gradient back.
  Tensor s = full({3}, 1.0f).requires_grad_();
  Tensor dst = zeros({2, 3});
  dst.copy_(s);
  sum(dst).backward();
  EXPECT_EQ(grad_of(s), std::vector<float>(3, 2.0f));
}

TEST(ElementwiseInPlace, SavedTensorsModifiedInPlaceFailAtBackward) {
  // exp saves its output: writing into it breaks exp's backward, as torch's "one of the
  // variables needed for gradient computation has been modified by an inplace operation".
  Tensor a = from_vector({-1.0f, 0.5f, 3.0f}, {3}).requires_grad_();
  Tensor y = exp(a);
  y.add_(1.0f);
  EXPECT_THROW(sum(y).backward(), Error);
  // mul by a scalar saves nothing: its output may be changed.
  Tensor m = a * 2.0f;
  m.add_(1.0f);
  sum(m).backward();
  EXPECT_EQ(grad_of(a), std::vector<float>(3, 2.0f));
  // sigmoid saves its output; another use of it taken before the write fails too.
  Tensor s = sigmoid(a);
  Tensor z = s * 3.0f;
  s.mul_(2.0f);
  EXPECT_THROW(sum(z).backward(), Error);
  // mul saves its inputs: changing one after the product fails.
  Tensor b = from_vector({1, 2, 3}, {3});
  Tensor p = a * b;
  b.add_(1.0f);
  EXPECT_THROW(sum(p).backward(), Error);
}

// PyTorch rewrites a view's base graph when the view is written in place with an operand that
// needs a gradient (CopySlices); fovea refuses it, before writing anything, rather than let the
// base silently miss that gradient.
TEST(ElementwiseInPlace, AViewThatWouldJoinAGraphIsRefusedUntouched) {
  Tensor base = zeros({4});
  Tensor w = ones({2}).requires_grad_();
  EXPECT_THROW(base.slice(0, 0, 2).add_(w), Error);
  EXPECT_THROW(base.narrow(0, 1, 2).copy_(w), Error);
  EXPECT_THROW(base.view({2, 2}).select(0, 1).mul_(w), Error);
  EXPECT_EQ(base.to_vector(), std::vector<float>(4, 0.0f)) << "nothing written";
  EXPECT_FALSE(base.requires_grad());
  // Without a gradient to lose, views are written in place as usual.
  base.slice(0, 0, 2).add_(w.detach());
  {
    NoGradGuard no_grad;
    base.slice(0, 2, 4).add_(w);
  }
  EXPECT_EQ(base.to_vector(), std::vector<float>(4, 1.0f));
  // The out-of-place way builds the same values with the gradient flowing.
  Tensor built = cat({w * 2.0f, zeros({2})});
  sum(built).backward();
  EXPECT_EQ(w.grad().to_vector(), std::vector<float>(2, 2.0f));
}
