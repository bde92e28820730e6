// Reductions, softmax and logsumexp: values against torch 1.13 (constants computed with it),
// dims given negatively, as lists, with keepdim, non-contiguous inputs, empty tensors, NaN,
// errors, and every gradient against finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "support/gradcheck.hpp"
#include "support/expect_tensor.hpp"

namespace fovea {
using fovea::testing::error_of;

namespace {

using testing::expect_close;
using testing::expect_gradients_match;

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

Tensor values(std::vector<float> v, Shape shape) { return from_vector(v, shape); }
Tensor arange_f(int64_t n) { return arange(0.0, double(n), 1.0, kFloat32); }

TEST(Reduction, SumAndMeanOverDims) {
  const Tensor x = arange_f(24).reshape({2, 3, 4});
  EXPECT_EQ(sum(x).shape(), Shape{});
  EXPECT_FLOAT_EQ(sum(x).item(), 276.0f);
  EXPECT_FLOAT_EQ(mean(x).item(), 11.5f);
  expect_close(sum(x, {0, 2}), values({60, 92, 124}, {3}));  // not adjacent: permuted
  expect_close(sum(x, {0, -1}), values({60, 92, 124}, {3}));
  EXPECT_EQ(sum(x, {0, 2}, true).shape(), (Shape{1, 3, 1}));
  expect_close(mean(x, {-1}), values({1.5, 5.5, 9.5, 13.5, 17.5, 21.5}, {2, 3}));
  EXPECT_EQ(mean(x, {-1}, true).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(sum(x, {}, true).shape(), (Shape{1, 1, 1}));
  // Non-contiguous input.
  expect_close(sum(x.transpose(0, 2), {1}), values({12, 48, 15, 51, 18, 54, 21, 57}, {4, 2}));
  // A 0-d tensor reduces over dim 0 or -1.
  EXPECT_FLOAT_EQ(sum(full({}, 3.0f), {0}).item(), 3.0f);
  EXPECT_FLOAT_EQ(mean(full({}, 3.0f), {-1}).item(), 3.0f);
}

TEST(Reduction, SumAccumulatesInDoubleAcrossChunks) {
  // 1e6 ones plus a large element: float accumulation would lose the ones.
  Tensor x = ones({1 << 20});
  x.data()[0] = 1e8f;
  EXPECT_FLOAT_EQ(sum(x).item(), 1e8f + float((1 << 20) - 1));
  Tensor cols = ones({1 << 18, 3});
  expect_close(sum(cols, {0}), full({3}, float(1 << 18)));
  expect_close(mean(cols, {0}), ones({3}));
}

TEST(Reduction, IntegerAndBoolSumsGiveInt64) {
  Tensor counted = sum(eq(tensor({1.0f, 2.0f, 3.0f}), tensor({1.0f, 0.0f, 3.0f})));
  EXPECT_EQ(counted.dtype(), kInt64);
  EXPECT_EQ(counted.item<int64_t>(), 2);
  Tensor ints = from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(sum(ints).item<int64_t>(), 21);
  EXPECT_EQ(sum(ints, {0}).to_vector<int64_t>(), (std::vector<int64_t>{5, 7, 9}));
  EXPECT_NE(error_of<TypeError>([&] { mean(ints); }).find("mean"), std::string::npos);
}

TEST(Reduction, EmptyTensors) {
  EXPECT_FLOAT_EQ(sum(zeros({0})).item(), 0.0f);
  EXPECT_TRUE(std::isnan(mean(zeros({0})).item()));
  expect_close(sum(zeros({2, 0}), {1}), zeros({2}));
  EXPECT_TRUE(std::isnan(mean(zeros({2, 0}), {1}).at(0)));
  EXPECT_EQ(sum(zeros({0, 3}), {1}).shape(), Shape{0});
  EXPECT_NE(error_of<ValueError>([] { max(zeros({0})); }).find("max"), std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { argmax(zeros({0, 3})); }).find("argmax"), std::string::npos);
  EXPECT_NE(error_of<IndexError>([] { max(zeros({2, 0}), 1); }).find("max"), std::string::npos);
  auto [v, i] = max(zeros({0, 3}), 1);
  EXPECT_EQ(v.shape(), Shape{0});
  EXPECT_EQ(i.shape(), Shape{0});
  EXPECT_EQ(logsumexp(zeros({0}), {0}).item(), -kInf);
}

TEST(Reduction, VarAndStd) {
  const Tensor v = values({1, 2, 4, 7, 11, 16}, {2, 3});
  EXPECT_NEAR(var(v).item(), 33.36666489f, 1e-4);
  expect_close(var(v, {1}, false), values({1.55555558f, 13.55555534f}, {2}));
  expect_close(std(v, {0, 1}, true, true), values({5.77638865f}, {1, 1}));
  expect_close(std(v, {0}), values({4.24264050f, 6.36396122f, 8.48528099f}, {3}));
  expect_close(std(v.t(), Shape{-1}), values({4.24264050f, 6.36396122f, 8.48528099f}, {3}));
  EXPECT_TRUE(std::isnan(var(ones({1})).item()));  // N - 1 == 0, as PyTorch
  EXPECT_FLOAT_EQ(var(ones({1}), false).item(), 0.0f);
  EXPECT_TRUE(std::isnan(var(zeros({0})).item()));
}

TEST(Reduction, MaxMinWithTiesAndNan) {
  const Tensor x = values({1, 3, 3, kNan, 2, 5}, {2, 3});
  auto [mx, imx] = max(x, 1);
  EXPECT_FLOAT_EQ(mx.at(0), 3.0f);
  EXPECT_TRUE(std::isnan(mx.at(1)));
  EXPECT_EQ(imx.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  auto [mn, imn] = min(x, -1, true);
  EXPECT_EQ(mn.shape(), (Shape{2, 1}));
  EXPECT_EQ(imn.to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
  EXPECT_TRUE(std::isnan(max(x).item()));
  EXPECT_TRUE(std::isnan(min(x).item()));
  EXPECT_EQ(argmax(x).item<int64_t>(), 3);
  auto [cv, ci] = max(x, 0);  // along the outer dimension (inner > 1)
  EXPECT_EQ(ci.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  const Tensor y = values({4, -1, 7, 7, -1, 0}, {2, 3});
  EXPECT_FLOAT_EQ(max(y).item(), 7.0f);
  EXPECT_FLOAT_EQ(min(y).item(), -1.0f);
  EXPECT_EQ(argmax(y).item<int64_t>(), 2);
  EXPECT_EQ(argmin(y).item<int64_t>(), 1);
  EXPECT_EQ(argmax(y, 0).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(argmin(y, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(argmax(y, std::nullopt, true).shape(), (Shape{1, 1}));
  EXPECT_EQ(y.argmax(1).to_vector<int64_t>(), (std::vector<int64_t>{2, 0}));
  // Non-contiguous and long rows (the vectorised and chunked paths).
  Tensor big = rand({3, 100000});
  big.data()[1 * 100000 + 77777] = 5.0f;
  big.data()[1 * 100000 + 88888] = 5.0f;
  EXPECT_EQ(argmax(big, 1).at(1), 77777.0f);
  EXPECT_EQ(argmax(big.t(), 0).at(1), 77777.0f);
  Tensor row = rand({1 << 20});
  row.data()[900000] = -3.0f;
  EXPECT_EQ(argmin(row).item<int64_t>(), 900000);
  row.data()[700000] = kNan;
  EXPECT_EQ(argmax(row).item<int64_t>(), 700000);
  EXPECT_TRUE(std::isnan(max(row).item()));
}

TEST(Reduction, Errors) {
  const Tensor x = zeros({2, 3, 4});
  const std::string range = error_of<IndexError>([&] { sum(x, {3}); });
  EXPECT_NE(range.find("sum"), std::string::npos) << range;
  EXPECT_NE(range.find("[-3, 2]"), std::string::npos) << range;
  EXPECT_NE(error_of<IndexError>([&] { max(x, -4); }).find("max"), std::string::npos);
  EXPECT_NE(error_of<IndexError>([&] { softmax(x, 3); }).find("softmax"), std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] { sum(x, {0, -3}); }).find("multiple times"), std::string::npos);
  const Tensor ints = zeros({3}, kInt64);
  EXPECT_NE(error_of<TypeError>([&] { var(ints); }).find("var"), std::string::npos);
  EXPECT_NE(error_of<TypeError>([&] { max(ints); }).find("max"), std::string::npos);
  EXPECT_NE(error_of<TypeError>([&] { softmax(ints, 0); }).find("softmax"), std::string::npos);
  EXPECT_NE(error_of<TypeError>([&] { logsumexp(ints, {0}); }).find("logsumexp"), std::string::npos);
}

TEST(Reduction, LogSumExp) {
  const Tensor v = values({1, 2, 4, 7, 11, 16}, {2, 3});
  expect_close(logsumexp(v, {1}), values({4.16984606f, 16.00683784f}, {2}));
  EXPECT_NEAR(logsumexp(v, {0, 1}).item(), 16.00684547f, 1e-4);
  EXPECT_NEAR(logsumexp(v, {}).item(), 16.00684547f, 1e-4);
  EXPECT_EQ(logsumexp(values({kInf, 1}, {2}), {0}).item(), kInf);
  EXPECT_EQ(logsumexp(values({-kInf, -kInf}, {2}), {0}).item(), -kInf);
  EXPECT_TRUE(std::isnan(logsumexp(values({kNan, 1}, {2}), {0}).item()));
  EXPECT_NEAR(logsumexp(values({1e4f, 1e4f}, {2}), {0}).item(), 1e4f + std::log(2.0f), 1e-2);
}

TEST(Reduction, SoftmaxAlongAnyDim) {
  const Tensor y = values({0.5, -1, 2, 3, 0, -2}, {2, 3});
  expect_close(softmax(y, 0), values({0.07585818f, 0.26894143f, 0.98201376f, 0.92414182f, 0.73105860f, 0.01798621f},
                                     {2, 3}));
  const Tensor expected_log = values({-1.74131131f, -3.24131131f, -0.24131133f, -0.05498521f, -3.05498528f, -5.05498505f},
                                     {2, 3});
  expect_close(log_softmax(y, 1), expected_log);
  expect_close(log_softmax(y, -1), expected_log);
  expect_close(log_softmax(y.t().contiguous().t(), 1), expected_log);  // non-contiguous
  expect_close(softmax(values({1000, 0}, {2}), 0), values({1, 0}, {2}));
  expect_close(log_softmax(values({1000, 0}, {2}), 0), values({0, -1000}, {2}));
  const Tensor z = mul(arange_f(24).reshape({2, 3, 4}), 1.0f / 7.0f);
  expect_close(softmax(z, 1).select(0, 1),
               values({0.16930471f, 0.16930471f, 0.16930473f, 0.16930471f, 0.29980394f, 0.29980394f, 0.29980394f,
                       0.29980391f, 0.53089130f, 0.53089130f, 0.53089130f, 0.53089136f},
                      {3, 4}));
  expect_close(log_softmax(z, 0).select(0, 0).select(0, 0),
               values({-1.87987840f, -1.87987828f, -1.87987840f, -1.87987828f}, {4}));
  EXPECT_FLOAT_EQ(softmax(full({}, 3.0f), 0).item(), 1.0f);
  // inf, NaN and -inf along rows (contiguous) and along columns (inner > 1), as PyTorch.
  for (bool rows : {true, false}) {
    auto along = [&](std::vector<float> v, bool log) {
      Tensor col = from_vector(v, {2, 1}).expand({2, 20}).contiguous();
      return rows ? (log ? log_softmax(from_vector(v, {2}), 0) : softmax(from_vector(v, {2}), 0))
                  : (log ? log_softmax(col, 0) : softmax(col, 0)).select(1, 3);
    };
    Tensor inf = along({kInf, 1}, false), nan = along({kNan, 1}, false), neg = along({-kInf, 1}, false);
    EXPECT_TRUE(std::isnan(inf.at(0)) && std::isnan(inf.at(1)));
    EXPECT_TRUE(std::isnan(nan.at(0)) && std::isnan(nan.at(1)));
    EXPECT_EQ(neg.at(0), 0.0f);
    EXPECT_EQ(neg.at(1), 1.0f);
    EXPECT_EQ(along({-kInf, 1}, true).at(0), -kInf);
    EXPECT_EQ(along({-kInf, 1}, true).at(1), 0.0f);
  }
  // A masked row longer than a vector (an attention mask): -inf takes no share, the rest as torch.
  Tensor masked = mul(arange_f(40), 0.1f).reshape({1, 40});
  masked.narrow(1, 3, 1).fill_(-kInf);
  EXPECT_EQ(softmax(masked, 1).at(3), 0.0f);
  EXPECT_NEAR(softmax(masked, 1).at(39), 0.09719551f, 1e-7);
  EXPECT_NEAR(softmax(masked, 1).at(0), 0.00196742f, 1e-8);
  EXPECT_EQ(log_softmax(masked, 1).at(3), -kInf);
  EXPECT_NEAR(log_softmax(masked, 1).at(39), -2.33103085f, 1e-6);
  EXPECT_EQ(softmax(zeros({2, 0}), 1).shape(), (Shape{2, 0}));
  EXPECT_EQ(log_softmax(zeros({0, 3}), 1).shape(), (Shape{0, 3}));
  Tensor empty = zeros({2, 0}).requires_grad_(true);
  sum(log_softmax(empty, 1)).backward();
  EXPECT_EQ(empty.grad().shape(), (Shape{2, 0}));
}

TEST(ReductionGrad, SumMeanVarStd) {
  const Tensor x = randn({2, 3, 4});
  for (const Shape& dims : {Shape{}, Shape{1}, Shape{0, 2}, Shape{-1, 0}})
    for (bool keep : {false, true}) {
      SCOPED_TRACE(to_string(dims) + (keep ? " keepdim" : ""));
      expect_gradients_match([&](const std::vector<Tensor>& in) { return sum(in[0], dims, keep); }, {x.clone()});
      expect_gradients_match([&](const std::vector<Tensor>& in) { return mean(in[0], dims, keep); }, {x.clone()});
      expect_gradients_match([&](const std::vector<Tensor>& in) { return var(in[0], dims, true, keep); }, {x.clone()});
      expect_gradients_match([&](const std::vector<Tensor>& in) { return std(in[0], dims, false, keep); },
                             {x.clone()});
    }
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x.clone()});
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0]); }, {x.clone()});
  expect_gradients_match([](const std::vector<Tensor>& in) { return std(in[0]); }, {x.clone()});
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0].transpose(0, 2), {1}); }, {x.clone()});
}

TEST(ReductionGrad, StdOfConstantHasZeroGradient) {
  Tensor x = zeros({3}).requires_grad_(true);
  std(x).backward();
  expect_close(x.grad(), zeros({3}));
}

TEST(ReductionGrad, MaxMinLogsumexpSoftmax) {
  const Tensor x = mul(randn({3, 4, 2}), 3.0f);  // distinct values: no ties at finite-difference scale
  for (int64_t d : {0, 1, -1})
    for (bool keep : {false, true}) {
      expect_gradients_match([&](const std::vector<Tensor>& in) { return std::get<0>(max(in[0], d, keep)); },
                             {x.clone()}, 1e-3f);
      expect_gradients_match([&](const std::vector<Tensor>& in) { return std::get<0>(min(in[0], d, keep)); },
                             {x.clone()}, 1e-3f);
      expect_gradients_match([&](const std::vector<Tensor>& in) { return logsumexp(in[0], {d}, keep); },
                             {x.clone()});
    }
  expect_gradients_match([](const std::vector<Tensor>& in) { return max(in[0]); }, {x.clone()}, 1e-3f);
  expect_gradients_match([](const std::vector<Tensor>& in) { return min(in[0]); }, {x.clone()}, 1e-3f);
  expect_gradients_match([](const std::vector<Tensor>& in) { return logsumexp(in[0], {0, 2}, true); }, {x.clone()});
  for (int64_t d : {0, 1, 2, -1}) {
    expect_gradients_match([&](const std::vector<Tensor>& in) { return softmax(in[0], d); }, {x.clone()});
    expect_gradients_match([&](const std::vector<Tensor>& in) { return log_softmax(in[0], d); }, {x.clone()});
  }
  const Tensor m = randn({4, 5});
  expect_gradients_match([](const std::vector<Tensor>& in) { return log_softmax(in[0], 1); }, {m.clone()});
  expect_gradients_match([](const std::vector<Tensor>& in) { return softmax(in[0], 1); }, {m.clone()});
}

TEST(ReductionGrad, MaxOfAllSharesTies) {
  Tensor x = values({1, 3, 3, 2}, {4}).requires_grad_(true);
  max(x).backward();
  expect_close(x.grad(), values({0, 0.5, 0.5, 0}, {4}));
  Tensor n = values({1, kNan, kNan}, {3}).requires_grad_(true);
  max(n).backward();  // the NaNs share it
  expect_close(n.grad(), values({0, 0.5, 0.5}, {3}));
  Tensor y = values({1, 3, 3, 2}, {2, 2}).requires_grad_(true);
  std::get<0>(max(y, 1)).backward(ones({2}));
  expect_close(y.grad(), values({0, 1, 1, 0}, {2, 2}));  // along a dim: the first of the ties
}

TEST(ReductionGrad, BroadcastGradientsAreSummed) {
  Tensor a = randn({3, 1}).requires_grad_(true), b = randn({2, 1, 4}).requires_grad_(true);
  sum(add(a, b)).backward();
  expect_close(a.grad(), full({3, 1}, 8.0f));
  expect_close(b.grad(), full({2, 1, 4}, 3.0f));
}

}  // namespace
}  // namespace fovea
