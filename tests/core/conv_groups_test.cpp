// Conv2d's groups and dilation: printed form and constructor checks as PyTorch's, the op's errors,
// gradients against finite differences, and the fused Conv2d+ReLU path of Sequential with them
// (values against PyTorch are in layer_parity_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>

#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/expect_tensor.hpp"
#include "support/gradcheck.hpp"

namespace fovea {
namespace {

using testing::error_of;
using testing::expect_gradients_match;
using V = std::vector<Tensor>;

TEST(ConvGroups, PrintsAndShapesLikePyTorch) {
  nn::Conv2d grouped(6, 4, 3, 1, 1, 1, 2);
  EXPECT_EQ(grouped.repr(), "Conv2d(6, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2)");
  EXPECT_EQ(grouped.weight.shape(), (Shape{4, 3, 3, 3}));
  nn::Conv2d mixed(4, 6, nn::Pair(3, 2), nn::Pair(2, 1), nn::Pair(1, 0), nn::Pair(3, 2), 2, false);
  EXPECT_EQ(mixed.repr(),
            "Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(3, 2), groups=2, bias=False)");
  EXPECT_EQ(mixed.clone()->repr(), mixed.repr());
  // fan_in = in / groups * kh * kw = 2 * 3 * 2: the bound of PyTorch's default init.
  const float bound = 1.0f / std::sqrt(12.0f);
  for (float v : mixed.weight.to_vector()) EXPECT_LE(std::fabs(v), bound);
  EXPECT_EQ(error_of<ValueError>([] { nn::Conv2d(6, 4, 3, 1, 0, 1, 4); }),
            "Conv2d: in_channels must be divisible by groups");
  EXPECT_EQ(error_of<ValueError>([] { nn::Conv2d(4, 6, 3, 1, 0, 1, 4); }),
            "Conv2d: out_channels must be divisible by groups");
  EXPECT_EQ(error_of<ValueError>([] { nn::Conv2d(4, 4, 3, 1, 0, 0); }), "Conv2d: dilation must be positive, got 0");
}

TEST(ConvGroups, OpErrors) {
  EXPECT_NE(error_of<ShapeError>([] { conv2d(randn({1, 4, 5, 5}), randn({4, 3, 3, 3}), Tensor(), {1, 1}, {0, 0},
                                             {1, 1}, 2); })
                .find("expected input of shape [N, 6, H, W]"),
            std::string::npos);
  EXPECT_NE(error_of<ShapeError>([] { conv2d(randn({1, 1, 5, 5}), randn({1, 1, 3, 3}), Tensor(), {1, 1}, {0, 0},
                                             {3, 3}); })
                .find("dilated to 7x7"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { conv2d(randn({1, 4, 5, 5}), randn({3, 2, 3, 3}), Tensor(), {1, 1}, {0, 0},
                                             {1, 1}, 2); })
                .find("divisible by groups"),
            std::string::npos);
}

TEST(ConvGroups, GradientsMatchFiniteDifferences) {
  manual_seed(21);
  expect_gradients_match([](const V& v) { return conv2d(v[0], v[1], v[2], {1, 1}, {1, 1}, {1, 1}, 2); },
                         {randn({2, 4, 5, 5}), randn({6, 2, 3, 3}), randn({6})});
  expect_gradients_match([](const V& v) { return conv2d(v[0], v[1], v[2], {2, 1}, {2, 1}, {2, 3}, 1); },
                         {randn({1, 2, 8, 9}), randn({3, 2, 3, 2}), randn({3})});
  expect_gradients_match([](const V& v) { return conv2d(v[0], v[1], Tensor(), {1, 1}, {1, 1}, {2, 2}, 3); },
                         {randn({2, 3, 6, 6}), randn({3, 1, 3, 3})});
}

// Sequential fuses Conv2d and ReLU: with groups and dilation the fused path gives the two ops'
// values and gradients.
TEST(ConvGroups, FusedReluPathKeepsGroupsAndDilation) {
  manual_seed(22);
  auto conv = std::make_shared<nn::Conv2d>(4, 8, 3, 1, 2, 2, 4);
  nn::Sequential seq;
  seq.push_back(conv);
  seq.push_back(std::make_shared<nn::ReLU>());
  Tensor x = randn({2, 4, 7, 7});
  Tensor fused = seq(x);
  Tensor plain = relu(conv2d(x, conv->weight, conv->bias, {1, 1}, {2, 2}, {2, 2}, 4));
  testing::expect_close(fused, plain, 1e-5, 1e-6, "forward");
  sum(fused).backward();
  Tensor gw_fused = conv->weight.grad().clone();
  conv->zero_grad();
  sum(relu(conv2d(x, conv->weight, conv->bias, {1, 1}, {2, 2}, {2, 2}, 4))).backward();
  testing::expect_close(gw_fused, conv->weight.grad(), 1e-5, 1e-6, "grad_weight");
}

}  // namespace
}  // namespace fovea

// The old Conv2d(in, out, k, stride, padding, bias) spelling no longer compiles (a bool there
// would have become the dilation); an int there is the dilation, as in PyTorch.
static_assert(!std::is_constructible_v<fovea::nn::Conv2d, int, int, int, int, int, bool>);
static_assert(std::is_constructible_v<fovea::nn::Conv2d, int, int, int, int, int, int>);
static_assert(std::is_constructible_v<fovea::nn::Conv2d, int, int, int, int, int, int, int, bool>);
