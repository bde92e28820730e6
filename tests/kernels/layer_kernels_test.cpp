// The batch-norm and adaptive-pooling CPU kernels against their naive references, on shapes that
// exercise threading (many channels / planes), a single channel, odd sizes and overlapping windows.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/layout_impl.hpp"
#include "kernels/reference/reference.hpp"

namespace fovea::kernels {
namespace {

std::vector<float> random_values(int64_t n, unsigned seed, float scale = 1.0f, float shift = 0.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(shift, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, float tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], tol * (1.0f + std::fabs(want[i]))) << what << " [" << i << "]";
}

TEST(KernelBatchNorm, MatchesReference) {
  const BatchNormShape shapes[] = {{4, 3, 30}, {8, 5, 1}, {2, 64, 49}, {1, 1, 7}, {32, 16, 196}};
  for (const auto& s : shapes) {
    SCOPED_TRACE(std::to_string(s.batch) + "x" + std::to_string(s.channels) + "x" + std::to_string(s.spatial));
    const int64_t n = s.batch * s.channels * s.spatial;
    const auto x = random_values(n, 1, 3.0f, 5.0f), gy = random_values(n, 2);
    const auto w = random_values(s.channels, 3), b = random_values(s.channels, 4);
    std::vector<float> mean(s.channels), var(s.channels), mean_ref(s.channels), var_ref(s.channels);
    cpu::batch_norm_stats(s, x.data(), mean.data(), var.data());
    reference::batch_norm_stats(s, x.data(), mean_ref.data(), var_ref.data());
    expect_close(mean, mean_ref, 1e-6f, "mean");
    expect_close(var, var_ref, 1e-6f, "var");
    std::vector<float> invstd(s.channels);
    for (int64_t c = 0; c < s.channels; ++c) invstd[c] = 1.0f / std::sqrt(var[c] + 1e-5f);
    for (bool affine : {true, false}) {
      std::vector<float> y(n), y_ref(n);
      cpu::batch_norm_forward(s, x.data(), mean.data(), invstd.data(), affine ? w.data() : nullptr,
                              affine ? b.data() : nullptr, y.data());
      reference::batch_norm_forward(s, x.data(), mean.data(), invstd.data(), affine ? w.data() : nullptr,
                                    affine ? b.data() : nullptr, y_ref.data());
      expect_close(y, y_ref, 1e-5f, "y");
      for (bool batch_stats : {true, false}) {
        std::vector<float> gx(n), gx_ref(n), gw(s.channels), gw_ref(s.channels), gb(s.channels), gb_ref(s.channels);
        cpu::batch_norm_backward(s, x.data(), gy.data(), mean.data(), invstd.data(), affine ? w.data() : nullptr,
                                 batch_stats, gx.data(), gw.data(), gb.data());
        reference::batch_norm_backward(s, x.data(), gy.data(), mean.data(), invstd.data(),
                                       affine ? w.data() : nullptr, batch_stats, gx_ref.data(), gw_ref.data(),
                                       gb_ref.data());
        expect_close(gx, gx_ref, 1e-4f, "grad_x");
        expect_close(gw, gw_ref, 1e-4f, "grad_weight");
        expect_close(gb, gb_ref, 1e-4f, "grad_bias");
        // Null outputs are skipped, the others unchanged.
        std::vector<float> gx_only(n);
        cpu::batch_norm_backward(s, x.data(), gy.data(), mean.data(), invstd.data(), nullptr, batch_stats,
                                 gx_only.data(), nullptr, nullptr);
        if (!affine) EXPECT_EQ(gx_only, gx);
      }
    }
    std::vector<float> rm(s.channels, 0.5f), rv(s.channels, 2.0f), rm_ref = rm, rv_ref = rv;
    cpu::batch_norm_update_running(s.channels, mean.data(), var.data(), s.batch * s.spatial, 0.1f, rm.data(), rv.data());
    reference::batch_norm_update_running(s.channels, mean.data(), var.data(), s.batch * s.spatial, 0.1f,
                                         rm_ref.data(), rv_ref.data());
    expect_close(rm, rm_ref, 1e-6f, "running_mean");
    expect_close(rv, rv_ref, 1e-6f, "running_var");
  }
}

TEST(KernelAdaptivePool2d, MatchesReference) {
  const AdaptivePool2dShape shapes[] = {{6, 7, 9, 1, 1}, {6, 7, 9, 3, 4},  {6, 7, 9, 5, 5},  {6, 7, 9, 7, 9},
                                        {3, 2, 3, 5, 7}, {256, 7, 7, 1, 1}, {64, 13, 11, 4, 6}, {1, 1, 1, 1, 1}};
  for (const auto& s : shapes) {
    SCOPED_TRACE(std::to_string(s.planes) + " planes " + std::to_string(s.in_h) + "x" + std::to_string(s.in_w) +
                 " -> " + std::to_string(s.out_h) + "x" + std::to_string(s.out_w));
    const int64_t in = s.planes * s.in_h * s.in_w, out = s.planes * s.out_h * s.out_w;
    auto x = random_values(in, 7);
    if (in > 3) x[3] = x[2];  // a tie
    const auto gy = random_values(out, 8);
    std::vector<float> y(out), y_ref(out), gx(in), gx_ref(in);
    cpu::adaptive_avg_pool2d_forward(s, x.data(), y.data());
    reference::adaptive_avg_pool2d_forward(s, x.data(), y_ref.data());
    expect_close(y, y_ref, 1e-5f, "avg forward");
    cpu::adaptive_avg_pool2d_backward(s, gy.data(), gx.data());
    reference::adaptive_avg_pool2d_backward(s, gy.data(), gx_ref.data());
    expect_close(gx, gx_ref, 1e-5f, "avg backward");
    std::vector<int64_t> arg(out), arg_ref(out);
    cpu::adaptive_max_pool2d_forward(s, x.data(), y.data(), arg.data());
    reference::adaptive_max_pool2d_forward(s, x.data(), y_ref.data(), arg_ref.data());
    EXPECT_EQ(y, y_ref);
    EXPECT_EQ(arg, arg_ref);
    cpu::adaptive_max_pool2d_backward(s, gy.data(), arg.data(), gx.data());
    reference::adaptive_max_pool2d_backward(s, gy.data(), arg_ref.data(), gx_ref.data());
    EXPECT_EQ(gx, gx_ref);
  }
}

TEST(KernelAdaptivePool2d, MaxTakesNaN) {
  const AdaptivePool2dShape s{1, 2, 2, 1, 1};
  const float nan = std::nanf("");
  const std::vector<float> x{1.0f, nan, 5.0f, 2.0f};
  float y = 0;
  int64_t arg = -1;
  cpu::adaptive_max_pool2d_forward(s, x.data(), &y, &arg);
  EXPECT_TRUE(std::isnan(y));
  EXPECT_EQ(arg, 1);
}

}  // namespace
}  // namespace fovea::kernels

namespace fovea::kernels {
namespace {

TEST(KernelStochasticPool2d, MatchesReference) {
  // batch, channels, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w
  const Pool2dShape shapes[] = {{2, 3, 6, 6, 2, 2, 2, 2, 0, 0}, {1, 4, 7, 5, 3, 2, 1, 1, 0, 0},
                                {16, 32, 8, 8, 2, 2, 2, 2, 0, 0}, {1, 1, 3, 3, 3, 3, 1, 1, 0, 0}};
  for (const auto& s : shapes) {
    SCOPED_TRACE(std::to_string(s.batch) + "x" + std::to_string(s.channels) + " k" + std::to_string(s.kernel_h));
    const int64_t in = s.batch * s.channels * s.in_h * s.in_w, out = s.batch * s.channels * s.out_h() * s.out_w();
    auto x = random_values(in, 11);  // about half negative: clamped to zero probability
    for (int64_t i = 0; i < std::min<int64_t>(in, 9); ++i) x[i] = -1.0f;  // a window with nothing positive
    std::vector<float> u(out);
    std::mt19937 gen(12);
    for (auto& e : u) e = std::uniform_real_distribution<float>(0.0f, 1.0f)(gen);
    std::vector<float> y(out), y_ref(out), gx(in), gx_ref(in);
    std::vector<int32_t> idx(out), idx_ref(out);
    cpu::stochastic_pool2d_forward(s, x.data(), u.data(), y.data(), idx.data());
    reference::stochastic_pool2d_forward(s, x.data(), u.data(), y_ref.data(), idx_ref.data());
    EXPECT_EQ(idx, idx_ref);
    EXPECT_EQ(y, y_ref);
    const auto gy = random_values(out, 13);
    cpu::stochastic_pool2d_backward(s, x.data(), gy.data(), idx.data(), gx.data());
    reference::stochastic_pool2d_backward(s, x.data(), gy.data(), idx_ref.data(), gx_ref.data());
    expect_close(gx, gx_ref, 1e-6f, "sampled backward");
    cpu::stochastic_pool2d_forward(s, x.data(), nullptr, y.data(), nullptr);
    reference::stochastic_pool2d_forward(s, x.data(), nullptr, y_ref.data(), nullptr);
    expect_close(y, y_ref, 1e-6f, "average forward");
    cpu::stochastic_pool2d_backward(s, x.data(), gy.data(), nullptr, gx.data());
    reference::stochastic_pool2d_backward(s, x.data(), gy.data(), nullptr, gx_ref.data());
    expect_close(gx, gx_ref, 1e-4f, "average backward");
  }
}

}  // namespace
}  // namespace fovea::kernels

// Max pooling that stays in a convolution's layout (pool2d_blocked.cpp) against the plain kernel:
// nChw16c and nChw8c (fp32 convolutions on AVX-512 and AVX2), NHWC (bf16 convolutions), channel
// counts that fill, pad and split blocks, the seed's 2x2 and a padded 3x3 window, odd sizes, ties
// and NaN. Values, chosen elements and gradients must be exactly the plain kernel's.
namespace fovea::kernels {

TEST(KernelBlockedMaxPool2d, EveryChannelsInnermostLayoutMatchesThePlainKernel) {
  using dnnl::memory;
  using tag = memory::format_tag;
  const struct {
    tag layout;
    const char* name;
  } layouts[] = {{tag::nChw16c, "nChw16c"}, {tag::nChw8c, "nChw8c"}, {tag::nhwc, "nhwc"}};
  const std::array<int64_t, 6> windows[] = {{2, 2, 2, 2, 0, 0}, {3, 3, 2, 2, 1, 1}, {2, 3, 1, 2, 0, 1}};
  for (const auto& l : layouts)
    for (int64_t channels : {3, 8, 16, 20, 32})
      for (const auto& k : windows)
        for (const auto [h, w] : {std::pair<int64_t, int64_t>{8, 8}, {9, 7}}) {
          SCOPED_TRACE(std::string(l.name) + " C=" + std::to_string(channels) + " window " + std::to_string(k[0]) +
                       "x" + std::to_string(k[1]) + " input " + std::to_string(h) + "x" + std::to_string(w));
          const Pool2dShape s{2, channels, h, w, k[0], k[1], k[2], k[3], k[4], k[5]};
          const memory::dims in_dims{s.batch, s.channels, s.in_h, s.in_w};
          const int64_t in_n = s.batch * s.channels * s.in_h * s.in_w, out_n = s.batch * s.channels * s.out_h() * s.out_w();
          std::vector<float> x = random_values(in_n, unsigned(channels * 31 + h));
          for (auto& v : x) v = std::round(v * 2.0f);  // few levels: ties, where the first maximum must win
          for (int64_t i = 5; i < in_n; i += 37) x[i] = std::nanf("");  // NaN wins its windows, as in PyTorch
          std::vector<float> y_ref(out_n), gx_ref(in_n);
          std::vector<int32_t> arg_ref(out_n);
          cpu::max_pool2d_forward(s, x.data(), y_ref.data(), arg_ref.data());
          const std::vector<float> gy = random_values(out_n, unsigned(channels + 7));
          cpu::max_pool2d_backward(s, gy.data(), arg_ref.data(), gx_ref.data());

          const cpu::LayoutPtr src = cpu::detail::intern_layout(memory::desc(in_dims, memory::data_type::f32, l.layout),
                                                                memory::desc(in_dims, memory::data_type::f32, tag::nchw));
          std::vector<float> xb(cpu::layout_storage_floats(*src));
          cpu::reorder_from_plain(*src, x.data(), xb.data());
          const cpu::BlockedPoolInfo info = cpu::max_pool2d_blocked_info(s, *src);
          ASSERT_TRUE(info.dst);
          std::vector<float> yb(cpu::layout_storage_floats(*info.dst)), y(out_n), gx(in_n);
          std::vector<uint8_t> workspace(info.workspace_bytes);
          cpu::max_pool2d_forward_blocked(s, *src, xb.data(), yb.data(), workspace.data());
          cpu::reorder_to_plain(*info.dst, yb.data(), y.data());
          for (int64_t i = 0; i < out_n; ++i)
            ASSERT_TRUE(y[i] == y_ref[i] || (std::isnan(y[i]) && std::isnan(y_ref[i]))) << "output " << i;
          // The gradient in the output's layout, and plain (as it comes back through Flatten).
          std::vector<float> gyb(yb.size()), gxb(xb.size());
          cpu::reorder_from_plain(*info.dst, gy.data(), gyb.data());
          for (const bool plain_grad : {false, true}) {
            std::fill(gxb.begin(), gxb.end(), -1.0f);
            cpu::max_pool2d_backward_blocked(s, *src, plain_grad ? gy.data() : gyb.data(),
                                             plain_grad ? nullptr : info.dst.get(), workspace.data(), gxb.data());
            cpu::reorder_to_plain(*src, gxb.data(), gx.data());
            ASSERT_EQ(gx, gx_ref) << (plain_grad ? "plain gradient" : "blocked gradient");
          }
        }
}

}  // namespace fovea::kernels
