// Tensor basics and the autograd engine's contract: accumulation, zero_grad, NoGradGuard, freeing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "fovea/threads.hpp"

using namespace fovea;

TEST(Tensor, FactoriesViewsAndItem) {
  Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.view({3, -1}).shape(), (Shape{3, 2}));
  EXPECT_EQ(t.reshape({6}).shape(), (Shape{6}));
  EXPECT_EQ(zeros({2, 3, 4}).flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(t.size(-1), 3);
  Tensor v = t.view({6});
  v.data()[0] = 42;  // a view shares storage with its base
  EXPECT_EQ(t.at(0), 42);
  EXPECT_EQ(full({}, 2.5f).item(), 2.5f);
  EXPECT_THROW(t.item(), ShapeError);
  EXPECT_THROW(t.view({4, -1}), ShapeError);
  EXPECT_THROW(t.size(2), IndexError);
}

TEST(Tensor, ArgmaxPicksFirstMaximum) {
  Tensor t = from_vector({1, 7, 7, 0, 9, -1, 2, 2}, {2, 4});
  EXPECT_EQ(t.argmax(1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(t.argmax(1).dtype(), kInt64);
  EXPECT_EQ(t.argmax(0).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 1}));
  EXPECT_EQ(from_vector({3, 3, 3}, {3}).argmax(0).to_vector<int64_t>(), (std::vector<int64_t>{0}));  // ties: the first
}

TEST(Autograd, GradientsAccumulateUntilZeroed) {
  Tensor x = from_vector({1, 2, 3}, {3}).requires_grad_();
  sum(mul(x, x)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 4, 6}));
  sum(mul(x, x)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{4, 8, 12}));
  x.set_grad(Tensor());
  sum(x).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 1, 1}));
}

TEST(Autograd, SharedSubexpressionGetsBothContributions) {
  Tensor x = from_vector({3}, {1}).requires_grad_();
  Tensor y = add(x, x);  // the same gradient flows to x twice
  sum(mul(y, y)).backward();  // d/dx (2x)^2 = 8x
  EXPECT_FLOAT_EQ(x.grad().item(), 24.0f);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = mul(x, 3.0f);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
  }
  EXPECT_TRUE(mul(x, 3.0f).requires_grad());
}

TEST(Autograd, GraphIsFreedAfterBackward) {
  Tensor x = ones({4}).requires_grad_();
  Tensor h = relu(x);
  Tensor loss = sum(h);
  std::weak_ptr<Node> relu_node = h.grad_fn();
  loss.backward();
  EXPECT_TRUE(h.grad_fn()->released());
  EXPECT_TRUE(loss.grad_fn()->inputs().empty());
  EXPECT_THROW(loss.backward(), Error);  // second backward through a freed graph
  h = Tensor();
  loss = Tensor();
  EXPECT_TRUE(relu_node.expired());
}

TEST(Autograd, BackwardNeedsScalarOrGradient) {
  Tensor x = ones({3}).requires_grad_();
  Tensor y = mul(x, 2.0f);
  EXPECT_THROW(y.backward(), ShapeError);
  y.backward(ones({3}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 2, 2}));
  EXPECT_THROW(ones({1}).backward(), Error);  // requires no grad
}

TEST(Ops, CrossEntropyIsStableForHugeLogits) {
  Tensor logits = from_vector({1000, 0, -1000, 1e4f, 1e4f, 0}, {2, 3});
  Tensor loss = cross_entropy(logits, tensor({0, 1}));
  EXPECT_TRUE(std::isfinite(loss.item()));
  EXPECT_NEAR(loss.item(), (0.0 + std::log(2.0)) / 2, 1e-6);
}

TEST(Ops, BadShapesNameBothShapes) {
  try {
    linear(zeros({4, 5}), zeros({3, 6}), Tensor());
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[4, 5]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 6]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(conv2d(zeros({1, 2, 5, 5}), zeros({3, 4, 3, 3}), Tensor()), ShapeError);
  EXPECT_THROW(cross_entropy(zeros({2, 3}), tensor({0, 3})), IndexError);
  EXPECT_THROW(cross_entropy(zeros({2, 3}), tensor({0})), ShapeError);
  EXPECT_THROW(cross_entropy(zeros({2, 3}), tensor({0.0f, 1.0f})), TypeError);
  EXPECT_THROW(max_pool2d(zeros({1, 1, 4, 4}), {2, 2}, {2, 2}, {2, 2}), ValueError);
  EXPECT_THROW(dropout(zeros({2}), 1.5f, true), ValueError);
}

// Dropout's mask comes from a counter-based stream: the same seed gives the same mask whatever
// the thread count, and p = 1 drops everything (NaN stays NaN, as in PyTorch).
TEST(Ops, DropoutMaskDependsOnTheSeedNotTheThreadCount) {
  const int threads_before = get_num_threads();
  Tensor x = ones({300000});  // past the kernel's threading threshold
  std::vector<float> first;
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    manual_seed(11);
    std::vector<float> y = dropout(x, 0.5f, true).to_vector();
    if (first.empty())
      first = y;
    else
      EXPECT_EQ(y, first) << threads << " threads";
  }
  set_num_threads(threads_before);
  manual_seed(12);
  EXPECT_NE(dropout(x, 0.5f, true).to_vector(), first);
  const int64_t kept = std::count_if(first.begin(), first.end(), [](float v) { return v != 0.0f; });
  EXPECT_NEAR(double(kept) / 300000.0, 0.5, 5.0 * std::sqrt(0.25 / 300000.0));
  Tensor nan_in = full({3}, std::nanf(""));
  for (float v : dropout(nan_in, 1.0f, true).to_vector()) EXPECT_TRUE(std::isnan(v));
  for (float v : dropout(ones({100}), 1.0f, true).to_vector()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(dropout(ones({100}), 0.0f, true).to_vector(), ones({100}).to_vector());
}

TEST(Ops, DropoutScalesSurvivorsAndIsIdentityInEval) {
  manual_seed(3);
  Tensor x = ones({10000});
  Tensor y = dropout(x, 0.3f, true);
  int64_t zeros_seen = 0;
  for (float v : y.to_vector()) {
    if (v == 0.0f)
      ++zeros_seen;
    else
      EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
  }
  EXPECT_NEAR(zeros_seen / 10000.0, 0.3, 0.02);
  Tensor z = dropout(x, 0.3f, false);
  EXPECT_EQ(z.to_vector(), x.to_vector());
}
