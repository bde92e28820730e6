// conv2d_relu_max_pool2d's fused kernel against the three ops it replaces (conv2d, relu,
// max_pool2d, each checked against PyTorch and finite differences elsewhere): values and the
// weight and bias gradients, over the shapes that exercise its edges: one and several input
// channels, output channels that do not fill a block of 16, odd convolution outputs (the last row
// and column belong to no window), padding 0 to 2, kernels of 2 to 5, and the 32-tap limit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "fovea/autograd.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/expect_tensor.hpp"
#include "support/gradcheck.hpp"

using namespace fovea;
using fovea::testing::expect_close;

namespace {

using Pair = std::pair<int64_t, int64_t>;

struct Case {
  int64_t batch, in_channels, h, w, out_channels, kernel, pad;
  bool bias;
};

std::string name(const Case& c) {
  return "N" + std::to_string(c.batch) + " C" + std::to_string(c.in_channels) + " " + std::to_string(c.h) + "x" +
         std::to_string(c.w) + " O" + std::to_string(c.out_channels) + " k" + std::to_string(c.kernel) + " p" +
         std::to_string(c.pad) + (c.bias ? " bias" : "");
}

struct Result {
  Tensor out, gw, gb;
};

Result run(const Case& c, const Tensor& x, const Tensor& w0, const Tensor& b0, const Tensor& r, bool fused) {
  Tensor w = w0.clone().requires_grad_(), b = c.bias ? b0.clone().requires_grad_() : Tensor();
  const Pair pad{c.pad, c.pad};
  Tensor out = fused ? conv2d_relu_max_pool2d(x, w, b, {1, 1}, pad, {1, 1}, 1, {2, 2}, {2, 2}, {0, 0})
                     : max_pool2d(relu(conv2d(x, w, b, {1, 1}, pad)), {2, 2}, {2, 2}, {0, 0});
  sum(mul(out.flatten(), r)).backward();
  return {out, w.grad(), c.bias ? b.grad() : Tensor()};
}

}  // namespace

TEST(BlockedLayout, ConvReluPoolFusedEqualsThreeOps) {
  const Case cases[] = {
      {4, 1, 28, 28, 16, 3, 1, true},   // the seed's first layer
      {3, 1, 9, 11, 10, 3, 1, true},    // 9x11 output: odd; 10 channels pad the block
      {2, 3, 12, 12, 32, 3, 0, false},  // RGB, two blocks, no bias
      {2, 1, 28, 28, 6, 5, 2, true},    // LeNet-5's
      {2, 2, 7, 8, 20, 2, 0, true},     // even kernel
      {1, 2, 10, 10, 17, 4, 2, true},   // 2 x 4 x 4 = 32 taps, the limit
  };
  manual_seed(7);
  for (const Case& c : cases) {
    SCOPED_TRACE(name(c));
    Tensor x = randn({c.batch, c.in_channels, c.h, c.w}), w = randn({c.out_channels, c.in_channels, c.kernel, c.kernel});
    Tensor b = randn({c.out_channels});
    ASSERT_TRUE(conv2d_relu_max_pool2d_fuses(x, w, c.bias ? b : Tensor(), {1, 1}, {c.pad, c.pad}, {1, 1}, 1, {2, 2},
                                             {2, 2}, {0, 0}));
    const int64_t oh = (c.h + 2 * c.pad - c.kernel + 1) / 2, ow = (c.w + 2 * c.pad - c.kernel + 1) / 2;
    Tensor r = randn({c.batch * c.out_channels * oh * ow});
    Result fused = run(c, x, w, b, r, true), apart = run(c, x, w, b, r, false);
    ASSERT_EQ(fused.out.shape(), apart.out.shape());
    EXPECT_EQ(fused.out.grad_fn()->name(), "ConvolutionReluMaxPoolBackward");
    expect_close(fused.out, apart.out, 1e-5, 1e-6, "output");
    expect_close(fused.gw, apart.gw, 1e-4, 1e-4, "weight gradient");
    if (c.bias) expect_close(fused.gb, apart.gb, 1e-4, 1e-4, "bias gradient");
  }
}

TEST(BlockedLayout, ConvReluPoolFusedPropagatesNaNAsPooling) {
  manual_seed(8);
  Tensor x = randn({1, 1, 8, 8}), w = randn({16, 1, 3, 3}), b = randn({16});
  std::vector<float> values = x.to_vector();
  values[2 * 8 + 5] = std::numeric_limits<float>::quiet_NaN();
  x = from_vector(values, {1, 1, 8, 8});
  Tensor fused = conv2d_relu_max_pool2d(x, w, b, {1, 1}, {1, 1}, {1, 1}, 1, {2, 2}, {2, 2}, {0, 0});
  // The reference on row-major memory, whose kernels follow PyTorch (relu and max keep NaN); oneDNN's
  // pooling on nChw8c (the AVX2 path) does not.
  Tensor h = conv2d(x, w, b, {1, 1}, {1, 1});
  Tensor apart = max_pool2d(relu(h.view(h.shape())), {2, 2}, {2, 2}, {0, 0});
  std::vector<float> f = fused.to_vector(), a = apart.to_vector();
  int nans = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    EXPECT_EQ(std::isnan(f[i]), std::isnan(a[i])) << "element " << i;
    nans += std::isnan(f[i]);
  }
  EXPECT_GT(nans, 0);
}

TEST(BlockedLayout, ConvReluPoolRunsTheOpsWhereTheKernelDoesNotApply) {
  manual_seed(9);
  Tensor x = randn({2, 1, 12, 12}), w = randn({16, 1, 3, 3}), b = randn({16});
  auto fuses = [&](const Tensor& input, const Tensor& weight, Pair stride, Pair pool) {
    return conv2d_relu_max_pool2d_fuses(input, weight, b, stride, {1, 1}, {1, 1}, 1, pool, pool, {0, 0});
  };
  EXPECT_TRUE(fuses(x, w, {1, 1}, {2, 2}));
  EXPECT_FALSE(fuses(x.clone().requires_grad_(), w, {1, 1}, {2, 2}));  // the input needs its gradient
  EXPECT_FALSE(fuses(x, w, {2, 2}, {2, 2}));
  EXPECT_FALSE(fuses(x, w, {1, 1}, {3, 3}));
  Tensor wide = randn({16, 4, 3, 3});  // 36 taps
  EXPECT_FALSE(fuses(randn({2, 4, 12, 12}), wide, {1, 1}, {2, 2}));
  // Where it does not apply, the three ops run and the input's gradient is there.
  Tensor xg = x.clone().requires_grad_();
  Tensor out = conv2d_relu_max_pool2d(xg, w, b, {1, 1}, {1, 1}, {1, 1}, 1, {2, 2}, {2, 2}, {0, 0});
  sum(out).backward();
  ASSERT_TRUE(xg.grad().defined());
  Tensor expected = max_pool2d(relu(conv2d(x, w, b, {1, 1}, {1, 1})), {2, 2}, {2, 2}, {0, 0});
  expect_close(out, expected, 1e-6, 0, "values");
}

TEST(BlockedLayout, SequentialRunsConvReluPoolAsOneStep) {
  manual_seed(10);
  nn::Sequential fused(nn::Conv2d(1, 16, 3, 1, 1), nn::ReLU(), nn::MaxPool2d(2));
  Tensor x = randn({3, 1, 14, 14});
  Tensor y = fused.forward(x);
  ASSERT_TRUE(y.grad_fn());
  EXPECT_EQ(y.grad_fn()->name(), "ConvolutionReluMaxPoolBackward");
  Tensor expected = max_pool2d(relu(conv2d(x, fused[0]->parameters()[0], fused[0]->parameters()[1], {1, 1}, {1, 1})),
                               {2, 2}, {2, 2}, {0, 0});
  expect_close(y, expected, 1e-5, 1e-6, "values");
}

TEST(BlockedLayout, ConvReluPoolWithInputGradientMatchesThreeOps) {
  // A later layer: its input needs a gradient, so the three ops run, with the ReLU's gradient
  // applied to the pooled gradient instead of the full-size one.
  manual_seed(11);
  Tensor x = randn({2, 16, 10, 10}), w = randn({32, 16, 3, 3}), b = randn({32}), r = randn({2 * 32 * 5 * 5});
  auto run = [&](bool together) {
    Tensor xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_(), bi = b.clone().requires_grad_();
    Tensor out = together ? conv2d_relu_max_pool2d(xi, wi, bi, {1, 1}, {1, 1}, {1, 1}, 1, {2, 2}, {2, 2}, {0, 0})
                          : max_pool2d(relu(conv2d(xi, wi, bi, {1, 1}, {1, 1})), {2, 2}, {2, 2}, {0, 0});
    sum(mul(out.flatten(), r)).backward();
    return std::vector<Tensor>{out, xi.grad(), wi.grad(), bi.grad()};
  };
  std::vector<Tensor> together = run(true), apart = run(false);
  const char* names[] = {"output", "input gradient", "weight gradient", "bias gradient"};
  for (int i = 0; i < 4; ++i) expect_close(together[i], apart[i], 1e-5, 1e-6, names[i]);
}

TEST(BlockedLayout, SequentialConvReluPoolErrorNamesTheLayerThatRefused) {
  nn::Sequential layers(nn::Conv2d(1, 16, 3), nn::ReLU(), nn::MaxPool2d(2));
  std::string pool_error = fovea::testing::error_of([&] { layers.forward(randn({1, 1, 3, 3})); });
  EXPECT_NE(pool_error.find("MaxPool2d"), std::string::npos) << pool_error;
  std::string conv_error = fovea::testing::error_of([&] { layers.forward(randn({1, 2, 8, 8})); });
  EXPECT_NE(conv_error.find("Conv2d"), std::string::npos) << conv_error;
  EXPECT_EQ(conv_error.find("MaxPool2d"), std::string::npos) << conv_error;
}
