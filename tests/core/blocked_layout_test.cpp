// Activations left in oneDNN's blocked layout must give exactly what the row-major path gives:
// values, gradients, and every accessor. Each case runs the same graph twice, once with the
// convolution output converted to row-major up front (the plain kernels) and once as it comes.
#include <gtest/gtest.h>

#include "fovea/autograd.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/gradcheck.hpp"

using namespace fovea;
using fovea::testing::expect_close;

namespace {

struct Grads {
  Tensor out, gx, gw;
};

// conv -> [relu] -> pool -> flatten -> weighted sum; `plain` converts the conv output first.
Grads run(const Tensor& x0, const Tensor& w0, bool plain, bool fused, Tensor (*pool)(const Tensor&), const Tensor& r) {
  Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
  Tensor h = fused ? conv2d_relu(x, w, Tensor(), {1, 1}, {1, 1}) : conv2d(x, w, Tensor(), {1, 1}, {1, 1});
  if (plain) h = h.view(h.shape());  // view() converts to row-major
  if (!fused) h = relu(h);
  Tensor out = pool(h);
  sum(mul(out.flatten(), r)).backward();
  return {out, x.grad(), w.grad()};
}

void expect_same(const Grads& a, const Grads& b) {
  expect_close(a.out, b.out, 1e-6, 0, "output");
  expect_close(a.gx, b.gx, 1e-5, 1e-7, "input gradient");
  expect_close(a.gw, b.gw, 1e-5, 1e-7, "weight gradient");
}

Tensor pool_2x2(const Tensor& h) { return max_pool2d(h, {2, 2}, {2, 2}, {0, 0}); }
Tensor pool_3x3_s2_p1(const Tensor& h) { return max_pool2d(h, {3, 3}, {2, 2}, {1, 1}); }
Tensor avg_3x3(const Tensor& h) { return avg_pool2d(h, {3, 3}, {2, 2}, {1, 1}); }

}  // namespace

TEST(BlockedLayout, ConvolutionOutputIsBlockedYetReadsRowMajor) {
  manual_seed(1);
  Tensor x = randn({2, 3, 8, 8}), w = randn({16, 3, 3, 3});
  Tensor y = conv2d(x, w, Tensor(), {1, 1}, {1, 1});
  Tensor copy = y.clone();
  std::vector<float> values = y.to_vector();  // converts in place
  EXPECT_EQ(y.layout(), Layout::Strided);
  EXPECT_EQ(copy.to_vector(), values);
}

TEST(BlockedLayout, PoolingOnBlockedMatchesRowMajor) {
  for (int64_t channels : {16, 32, 20}) {  // 20: a blocked layout with padded lanes
    for (auto pool : {pool_2x2, pool_3x3_s2_p1, avg_3x3}) {
      for (bool fused : {false, true}) {
        manual_seed(channels);
        Tensor x = randn({3, 4, 10, 9}), w = randn({channels, 4, 3, 3});
        Tensor r = randn({numel(pool(zeros({3, channels, 10, 9})).shape())});
        SCOPED_TRACE("channels " + std::to_string(channels) + (fused ? " fused" : ""));
        expect_same(run(x, w, false, fused, pool, r), run(x, w, true, fused, pool, r));
      }
    }
  }
}

TEST(BlockedLayout, FusedConvReluEqualsConvThenRelu) {
  manual_seed(4);
  Tensor x = randn({2, 16, 7, 7}), w = randn({32, 16, 3, 3}), b = randn({32});
  expect_close(conv2d_relu(x, w, b, {1, 1}, {1, 1}), relu(conv2d(x, w, b, {1, 1}, {1, 1})), 1e-6, 0, "values");
  // Gradients against the two separate ops (each of which passes the finite-difference check;
  // finite differences across ReLU's kink would make this test flaky).
  Tensor r = randn({2, 32, 7, 7});
  std::vector<Tensor> fused{x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()};
  std::vector<Tensor> apart{x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()};
  sum(mul(conv2d_relu(fused[0], fused[1], fused[2], {1, 1}, {1, 1}), r)).backward();
  sum(mul(relu(conv2d(apart[0], apart[1], apart[2], {1, 1}, {1, 1})), r)).backward();
  for (int i = 0; i < 3; ++i) expect_close(fused[i].grad(), apart[i].grad(), 1e-6, 1e-7, "gradient " + std::to_string(i));
}
