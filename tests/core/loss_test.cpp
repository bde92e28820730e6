// Losses against torch 1.13 (constants computed with torch.nn.functional), their options and
// errors, and the gradient of every option combination against finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "support/gradcheck.hpp"
#include "support/expect_tensor.hpp"

namespace fovea {
using fovea::testing::error_of;

namespace {

using testing::expect_close;
using testing::expect_gradients_match;

Tensor values(std::vector<float> v, Shape shape) { return from_vector(v, shape); }
Tensor targets(std::vector<int64_t> v, Shape shape) { return from_vector(v, shape); }

const Tensor kX = values({0.5, -1, 2, 3, 0, -2}, {2, 3});
const Tensor kT = values({1, 0, 2.5, -1, 0.5, -2}, {2, 3});
const Tensor kP = values({1, 0, 1, 0, 1, 0.5}, {2, 3});  // probabilities for BCE
const Tensor kLogits = values({0.5, -1, 2, 0.1, 3, 0, -2, 1, 0.2, 0.3, -0.4, 2}, {3, 4});
const Tensor kClassWeight = values({0.5, 1, 2, 1.5}, {4});

TEST(Loss, RegressionLosses) {
  EXPECT_NEAR(mse_loss(kX, kT).item(), 2.95833325f, 1e-6);
  EXPECT_NEAR(mse_loss(kX, kT, Reduction::Sum).item(), 17.75f, 1e-5);
  EXPECT_NEAR(l1_loss(kX, kT).item(), 1.08333337f, 1e-6);
  EXPECT_NEAR(smooth_l1_loss(kX, kT).item(), 0.72916669f, 1e-6);
  expect_close(smooth_l1_loss(kX, kT, Reduction::None, 0.4f), values({0.3, 0.8, 0.3, 3.8, 0.3, 0}, {2, 3}));
  expect_close(smooth_l1_loss(kX, kT, Reduction::None, 0.0f), l1_loss(kX, kT, Reduction::None));
  EXPECT_NEAR(mse_loss(kX, values({1, 0, 2}, {3})).item(), 3.54166675f, 1e-6);  // broadcast, as PyTorch
  EXPECT_NEAR(mse_loss(kX.t(), kT.t()).item(), 2.95833325f, 1e-6);              // non-contiguous
  EXPECT_TRUE(std::isnan(mse_loss(zeros({0}), zeros({0})).item()));             // mean of nothing
  EXPECT_NE(error_of<ValueError>([] { smooth_l1_loss(kX, kT, Reduction::Mean, -1.0f); }).find("beta"),
            std::string::npos);
  EXPECT_NE(error_of<ShapeError>([] { mse_loss(kX, zeros({4})); }).find("mse_loss"), std::string::npos);
  EXPECT_NE(error_of<TypeError>([] { l1_loss(kX, zeros({2, 3}, kInt64)); }).find("l1_loss"), std::string::npos);
}

TEST(Loss, BinaryCrossEntropyWithLogits) {
  const Tensor w = values({0.5, 1, 2}, {3}), pw = values({2, 1, 0.5}, {3});
  EXPECT_NEAR(binary_cross_entropy_with_logits(kX, kP).item(), 0.96382159f, 1e-6);
  EXPECT_NEAR(binary_cross_entropy_with_logits(kX, kP, w, Reduction::Sum).item(), 5.27545357f, 1e-5);
  expect_close(binary_cross_entropy_with_logits(kX, kP, Tensor(), Reduction::None, pw),
               values({0.94815397f, 0.31326163f, 0.06346402f, 3.04858732f, 0.69314718f, 0.59519601f}, {2, 3}));
  EXPECT_NEAR(binary_cross_entropy_with_logits(kX, kP, w, Reduction::Mean, pw).item(), 0.72034997f, 1e-6);
  // Stable for large logits.
  expect_close(binary_cross_entropy_with_logits(values({100, -100}, {2}), values({0, 1}, {2}), Tensor(),
                                                Reduction::None),
               values({100, 100}, {2}));
  EXPECT_NE(error_of<ValueError>([] { binary_cross_entropy_with_logits(kX, zeros({3})); }).find("same as input size"),
            std::string::npos);
  EXPECT_NE(error_of<ShapeError>([] { binary_cross_entropy_with_logits(kX, kP, zeros({4})); }).find("weight"),
            std::string::npos);
}

TEST(Loss, CrossEntropyAndNll) {
  const Tensor t = targets({2, 0, 3}, {3});
  const Tensor ignored = targets({2, -100, 3}, {3});
  EXPECT_NEAR(cross_entropy(kLogits, t).item(), 0.29722047f, 1e-6);
  EXPECT_NEAR(cross_entropy(kLogits, t, {.weight = kClassWeight}).item(), 0.33454496f, 1e-6);
  EXPECT_NEAR(cross_entropy(kLogits, ignored).item(), 0.35807306f, 1e-6);
  EXPECT_NEAR(cross_entropy(kLogits, ignored, {.weight = kClassWeight, .reduction = Reduction::Sum}).item(),
              1.25042200f, 1e-5);
  EXPECT_NEAR(cross_entropy(kLogits, t, {.label_smoothing = 0.2f}).item(), 0.66888714f, 1e-6);
  EXPECT_NEAR(cross_entropy(kLogits, ignored, {.label_smoothing = 0.2f}).item(), 0.66557306f, 1e-6);
  EXPECT_NEAR(cross_entropy(kLogits, ignored, {.weight = kClassWeight, .label_smoothing = 0.3f}).item(), 0.62681437f,
              1e-6);
  expect_close(cross_entropy(kLogits, ignored,
                             {.weight = kClassWeight, .reduction = Reduction::None, .label_smoothing = 0.3f}),
               values({1.12052059f, 0, 1.07332969f}, {3}));
  EXPECT_NEAR(cross_entropy(kLogits, targets({2, 1, 3}, {3}),
                            {.weight = kClassWeight, .reduction = Reduction::Sum, .label_smoothing = 0.3f})
                  .item(),
              5.68252945f, 1e-5);
  EXPECT_TRUE(std::isnan(cross_entropy(kLogits, targets({-100, -100, -100}, {3})).item()));
  expect_close(nll_loss(log_softmax(kLogits, 1), t, {.weight = kClassWeight, .reduction = Reduction::None}),
               values({0.70481187f, 0.08775769f, 0.54561019f}, {3}));
  EXPECT_NEAR(nll_loss(kLogits, t).item(), -2.33333325f, 1e-6);
  EXPECT_NEAR(cross_entropy(kLogits.t().contiguous().t(), t).item(), 0.29722047f, 1e-6);  // non-contiguous
  EXPECT_NEAR(cross_entropy(values({0.5, -1, 2}, {3}), from_vector(std::vector<int64_t>{2}, {})).item(), 0.24131133f,
              1e-6);  // unbatched
}

TEST(Loss, CrossEntropyOverExtraDimensions) {
  Tensor x = Tensor::empty({2, 3, 4});
  for (int64_t i = 0; i < 24; ++i) x.data()[i] = std::sin(float(i));
  const Tensor t = targets({0, 1, 2, 1, 2, 2, 0, 1}, {2, 4});
  EXPECT_NEAR(cross_entropy(x, t).item(), 1.10707295f, 1e-6);
  expect_close(cross_entropy(x, t, {.reduction = Reduction::None}),
               values({1.42519581f, 2.39712191f, 1.88406563f, 0.58092856f, 0.42893559f, 0.60156852f, 0.43393558f,
                       1.10483170f},
                      {2, 4}));
  EXPECT_NEAR(cross_entropy(x, t, {.weight = values({1, 2, 3}, {3}), .label_smoothing = 0.1f}).item(), 1.12325740f,
              1e-6);
}

TEST(Loss, ClassLossErrors) {
  const std::string range = error_of<IndexError>([] { cross_entropy(kLogits, targets({2, 4, 0}, {3})); });
  EXPECT_NE(range.find("position 1"), std::string::npos) << range;
  EXPECT_NE(range.find("cross_entropy"), std::string::npos) << range;
  EXPECT_NE(error_of<IndexError>([] { nll_loss(kLogits, targets({-1, 0, 0}, {3})); }).find("nll_loss"),
            std::string::npos);
  EXPECT_NE(error_of<TypeError>([] { cross_entropy(kLogits, values({0, 1, 2}, {3})); }).find("int64"),
            std::string::npos);
  EXPECT_NE(error_of<ShapeError>([] { cross_entropy(kLogits, targets({0, 1}, {2})); }).find("[3]"),
            std::string::npos);
  EXPECT_NE(error_of<ShapeError>([] { cross_entropy(kLogits, targets({0, 1, 2}, {3}), {.weight = ones({3})}); })
                .find("weight"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { cross_entropy(kLogits, targets({0, 1, 2}, {3}), {.label_smoothing = 1.5f}); })
                .find("label_smoothing"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { nll_loss(kLogits, targets({0, 1, 2}, {3}), {.label_smoothing = 0.1f}); })
                .find("label_smoothing"),
            std::string::npos);
}

TEST(LossGrad, RegressionLossesAllReductions) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const Tensor x = randn({2, 3}), t = randn({2, 3});
    expect_gradients_match([r](const std::vector<Tensor>& in) { return mse_loss(in[0], in[1], r); },
                           {x.clone(), t.clone()});
    // Away from the kinks at d == 0 and |d| == beta.
    expect_gradients_match([r](const std::vector<Tensor>& in) { return l1_loss(in[0], in[1], r); },
                           {add(t, full({2, 3}, 0.3f)), t.clone()}, 1e-3f);
    expect_gradients_match([r](const std::vector<Tensor>& in) { return smooth_l1_loss(in[0], in[1], r, 0.5f); },
                           {values({0.1, -0.2, 2, -3, 0.05, 1.5}, {2, 3}), zeros({2, 3})}, 1e-3f);
    expect_gradients_match([r](const std::vector<Tensor>& in) { return mse_loss(in[0], in[1], r); },
                           {randn({2, 3}), randn({3})});  // broadcast target gets a summed gradient
  }
}

TEST(LossGrad, BinaryCrossEntropyWithLogitsAllOptions) {
  const Tensor w = values({0.5, 1, 2}, {3}), pw = values({2, 1, 0.5}, {3});
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (bool with_weight : {false, true})
      for (bool with_pos : {false, true})
        expect_gradients_match(
            [&](const std::vector<Tensor>& in) {
              return binary_cross_entropy_with_logits(in[0], in[1], with_weight ? w : Tensor(), r,
                                                      with_pos ? pw : Tensor());
            },
            {randn({2, 3}), rand({2, 3})});
}

TEST(LossGrad, ClassLossesAllOptions) {
  const Tensor t = targets({2, 0, 3}, {3}), ignored = targets({2, -100, 3}, {3});
  const Tensor t4 = targets({0, 1, 2, 1, 2, -100, 0, 1}, {2, 4});
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (bool weighted : {false, true})
      for (float smoothing : {0.0f, 0.25f})
        for (const Tensor* target : {&t, &ignored}) {
          ClassLossOptions o{.weight = weighted ? kClassWeight : Tensor(), .reduction = r, .label_smoothing = smoothing};
          SCOPED_TRACE(std::to_string(int(r)) + " weighted " + std::to_string(weighted) + " smoothing " +
                       std::to_string(smoothing));
          expect_gradients_match([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], *target, o); },
                                 {randn({3, 4})});
          expect_gradients_match(
              [&](const std::vector<Tensor>& in) {
                o.weight = weighted ? values({1, 2, 3}, {3}) : Tensor();
                return cross_entropy(in[0], t4, o);
              },
              {randn({2, 3, 4})});
          if (smoothing == 0.0f) {
            ClassLossOptions n = o;
            n.weight = weighted ? kClassWeight : Tensor();
            expect_gradients_match([&](const std::vector<Tensor>& in) { return nll_loss(in[0], *target, n); },
                                   {randn({3, 4})});
          }
        }
}

}  // namespace
}  // namespace fovea
