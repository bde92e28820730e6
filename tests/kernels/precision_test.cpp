// bf16 mode (fovea/precision.hpp): the switch and its scopes, convolutions and matrix products in
// bf16 against fp32 within bfloat16's rounding, the backward keeping its forward's precision, bit
// for bit repeatability, and the fp32 fallback on a CPU without bf16 (forced, so it runs here too).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/precision.hpp"
#include "fovea/random.hpp"
#include "kernels/cpu/dispatch.hpp"
#include "kernels/cpu/dnnl_context.hpp"
#include "kernels/cpu/kernels.hpp"
#include "support/expect_tensor.hpp"

namespace fovea {
namespace {

// Restores the process-wide state a test changes.
struct PrecisionTest : ::testing::Test {
  void TearDown() override {
    set_default_precision(Precision::fp32);
    detail::set_bf16_supported_for_testing(-1);
  }
};

// max |a - b| / max |b|: bf16 keeps 8 significant bits, so one rounding is ~4e-3 relative and a
// dot product's errors, partly cancelling, stay well under 1e-2 of its scale.
double scaled_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, double(std::fabs(a[i] - b[i])));
    scale = std::max(scale, double(std::fabs(b[i])));
  }
  return diff / scale;
}

// out, and the gradients of sum(out * r) to input, weight and bias, for a conv2d+ReLU and a
// convolution without bias feeding a linear layer: every product's three directions.
struct Results {
  std::vector<std::vector<float>> values;
};

Results run_net(bool backward_inside, Precision p) {
  manual_seed(7);
  Tensor x = randn({4, 3, 12, 12}).requires_grad_();
  Tensor w1 = mul(randn({16, 3, 3, 3}), 0.3f).requires_grad_(), b1 = randn({16}).requires_grad_();
  Tensor w2 = mul(randn({8, 16, 3, 3}), 0.1f).requires_grad_();
  Tensor w3 = mul(randn({10, 8 * 8 * 8}), 0.05f).requires_grad_(), b3 = randn({10}).requires_grad_();
  Tensor r = randn({4, 10});
  Tensor out, loss;
  {
    autocast scope(p);
    Tensor h = conv2d_relu(x, w1, b1, {1, 1}, {0, 0});
    h = conv2d(h, w2, Tensor(), {1, 1}, {0, 0});
    out = linear(h.reshape({4, 8 * 8 * 8}), w3, b3);
    loss = sum(out * r);
    if (backward_inside) loss.backward();
  }
  if (!backward_inside) loss.backward();
  Results res;
  for (const Tensor& t : {out, x.grad(), w1.grad(), b1.grad(), w2.grad(), w3.grad(), b3.grad()})
    res.values.push_back(t.to_vector());
  return res;
}

TEST_F(PrecisionTest, DefaultIsFp32AndScopesNestPerThread) {
  EXPECT_EQ(default_precision(), Precision::fp32);
  EXPECT_EQ(requested_precision(), Precision::fp32);
  EXPECT_EQ(effective_precision(), Precision::fp32);
  {
    autocast outer;  // bf16, as torch.autocast("cpu") defaults to bfloat16
    EXPECT_EQ(requested_precision(), Precision::bf16);
    {
      autocast inner(Precision::fp32);  // enabled=False inside
      EXPECT_EQ(requested_precision(), Precision::fp32);
    }
    EXPECT_EQ(requested_precision(), Precision::bf16);
    Precision other_thread = Precision::bf16;
    std::thread([&] { other_thread = requested_precision(); }).join();
    EXPECT_EQ(other_thread, Precision::fp32) << "autocast is per thread, as PyTorch's";
  }
  EXPECT_EQ(requested_precision(), Precision::fp32);
  set_default_precision(Precision::bf16);
  EXPECT_EQ(requested_precision(), Precision::bf16);
  {
    autocast off(Precision::fp32);
    EXPECT_EQ(requested_precision(), Precision::fp32);
  }
  Precision other_thread = Precision::fp32;
  std::thread([&] { other_thread = requested_precision(); }).join();
  EXPECT_EQ(other_thread, Precision::bf16) << "the default is process-wide";
}

TEST_F(PrecisionTest, NamesReadBack) {
  EXPECT_EQ(parse_precision("bf16"), Precision::bf16);
  EXPECT_EQ(parse_precision("fp32"), Precision::fp32);
  EXPECT_STREQ(precision_name(Precision::bf16), "bf16");
  EXPECT_EQ(testing::error_of<ValueError>([] { parse_precision("fp16"); }),
            "precision must be fp32 or bf16, got 'fp16'");
}

// Skip-free: whatever this CPU has, pretend it lacks bf16; then bf16 asks run fp32, bit for bit.
TEST_F(PrecisionTest, WithoutBf16SupportRunsFp32) {
  const Results fp32 = run_net(true, Precision::fp32);
  detail::set_bf16_supported_for_testing(0);
  EXPECT_FALSE(bf16_supported());
  set_default_precision(Precision::bf16);
  EXPECT_EQ(requested_precision(), Precision::bf16);
  EXPECT_EQ(effective_precision(), Precision::fp32);
  const Results fallback = run_net(true, Precision::bf16);
  for (size_t i = 0; i < fp32.values.size(); ++i) EXPECT_EQ(fallback.values[i], fp32.values[i]) << "result " << i;
}

// One convolution, each of its three directions against fp32 (grouped and strided too); a first
// layer (1 input channel, 3x3) stays fp32.
TEST_F(PrecisionTest, Bf16ConvolutionIsCloseToFp32) {
  if (!bf16_supported()) GTEST_SKIP() << "this CPU has no AVX512_BF16 or AMX (WithoutBf16SupportRunsFp32 covers it)";
  struct Case {
    Shape x, w;
    std::pair<int64_t, int64_t> stride, padding;
    int64_t groups;
  };
  for (const Case& c : {Case{{8, 16, 14, 14}, {32, 16, 3, 3}, {1, 1}, {1, 1}, 1},
                        Case{{8, 1, 28, 28}, {16, 1, 3, 3}, {1, 1}, {1, 1}, 1},
                        Case{{4, 16, 11, 9}, {12, 8, 3, 2}, {2, 1}, {0, 1}, 2}}) {
    auto run = [&](Precision p) {
      manual_seed(11);
      Tensor x = randn(c.x).requires_grad_(), w = mul(randn(c.w), 0.2f).requires_grad_();
      Tensor b = randn({c.w[0]}).requires_grad_();
      autocast scope(p);
      Tensor out = conv2d(x, w, b, c.stride, c.padding, {1, 1}, c.groups);
      sum(out * randn(out.shape())).backward();
      return std::vector<std::vector<float>>{out.to_vector(), x.grad().to_vector(), w.grad().to_vector(),
                                             b.grad().to_vector()};
    };
    const auto fp32 = run(Precision::fp32), bf16 = run(Precision::bf16);
    const char* names[] = {"output", "grad input", "grad weight", "grad bias"};
    if (c.w[1] * c.w[2] * c.w[3] < 32) {  // short dot products (a first layer) stay fp32: see conv2d.cpp
      for (size_t i = 0; i < 4; ++i) EXPECT_EQ(bf16[i], fp32[i]) << names[i] << " for input " << to_string(c.x);
      continue;
    }
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_LT(scaled_error(bf16[i], fp32[i]), 1e-2) << names[i] << " for input " << to_string(c.x);
      EXPECT_NE(bf16[i], fp32[i]) << names[i] << " was not computed in bf16";
    }
    // oneDNN sums the bias gradient from the bf16-rounded output gradient.
    EXPECT_LT(scaled_error(bf16[3], fp32[3]), 1e-2) << "grad bias";
  }
}

// A small network: ReLU masks and two bf16 layers compound the rounding, so its gradients are
// compared loosely; what must hold exactly is repeatability and the backward's precision.
TEST_F(PrecisionTest, Bf16NetworkIsRepeatableAndBackwardKeepsItsForwardsPrecision) {
  if (!bf16_supported()) GTEST_SKIP() << "this CPU has no AVX512_BF16 or AMX (WithoutBf16SupportRunsFp32 covers it)";
  const Results fp32 = run_net(true, Precision::fp32);
  const Results bf16 = run_net(true, Precision::bf16);
  const char* names[] = {"output", "grad input", "grad w1", "grad b1", "grad w2", "grad w3", "grad b3"};
  bool any_differs = false;
  for (size_t i = 0; i < fp32.values.size(); ++i) {
    EXPECT_LT(scaled_error(bf16.values[i], fp32.values[i]), 0.1) << names[i];
    any_differs |= bf16.values[i] != fp32.values[i];
  }
  EXPECT_TRUE(any_differs) << "bf16 mode ran fp32";
  const Results again = run_net(true, Precision::bf16);
  for (size_t i = 0; i < bf16.values.size(); ++i) EXPECT_EQ(again.values[i], bf16.values[i]) << names[i];
  // loss.backward() after the autocast scope has closed runs each product's backward in bf16 still.
  const Results outside = run_net(false, Precision::bf16);
  for (size_t i = 0; i < bf16.values.size(); ++i) EXPECT_EQ(outside.values[i], bf16.values[i]) << names[i];
}

// Large enough (>= 2^20 multiply-adds a product) that linear takes the bf16 path.
TEST_F(PrecisionTest, Bf16LinearIsCloseToFp32) {
  if (!bf16_supported()) GTEST_SKIP() << "this CPU has no AVX512_BF16 or AMX";
  auto run = [](Precision p) {
    manual_seed(5);
    Tensor x = randn({64, 512}).requires_grad_(), w = mul(randn({96, 512}), 0.05f).requires_grad_();
    Tensor b = randn({96}).requires_grad_(), r = randn({64, 96});
    autocast scope(p);
    Tensor out = linear(x, w, b);
    sum(out * r).backward();
    return std::vector<std::vector<float>>{out.to_vector(), x.grad().to_vector(), w.grad().to_vector(),
                                           b.grad().to_vector()};
  };
  const auto fp32 = run(Precision::fp32), bf16 = run(Precision::bf16);
  for (size_t i = 0; i < fp32.size(); ++i) {
    EXPECT_LT(scaled_error(bf16[i], fp32[i]), 1e-2) << "result " << i;
    if (i < 3) EXPECT_NE(bf16[i], fp32[i]) << "result " << i << " was not computed in bf16";
  }
  EXPECT_EQ(bf16[3], fp32[3]) << "the bias gradient is a plain f32 sum";
}

TEST_F(PrecisionTest, GemmBf16MatchesSgemmForEveryTranspose) {
  if (!bf16_supported()) GTEST_SKIP() << "this CPU has no AVX512_BF16 or AMX";
  manual_seed(3);
  const int64_t m = 17, n = 33, k = 70;
  const std::vector<float> a = randn({m * k}).to_vector(), b = randn({k * n}).to_vector(), c0 = randn({m * n}).to_vector();
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (float beta : {0.0f, 1.0f}) {
        std::vector<float> want = c0, got = c0;
        kernels::cpu::gemm(ta, tb, m, n, k, 1.0f, a.data(), b.data(), beta, want.data());
        kernels::cpu::gemm_bf16(ta, tb, m, n, k, a.data(), b.data(), beta, got.data());
        EXPECT_LT(scaled_error(got, want), 1e-2) << "trans_a " << ta << " trans_b " << tb << " beta " << beta;
      }
}

}  // namespace
}  // namespace fovea

// The rounding the bf16 convolutions and products use where oneDNN's reorder would only change
// the type (per_isa/bf16_round.cpp): nearest with ties to even, NaN kept, overflow to infinity,
// and bit for bit what oneDNN's own reorder writes for ordinary values.
namespace fovea::kernels {

TEST(KernelBf16Round, NearestTiesToEvenNaNAndInfinity) {
  auto bits = [](float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
  };
  auto from_bits = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  const std::vector<std::pair<float, uint16_t>> cases = {
      {1.0f, 0x3f80},
      {from_bits(0x3f808000), 0x3f80},  // halfway, even below: down
      {from_bits(0x3f818000), 0x3f82},  // halfway, odd below: up
      {from_bits(0x3f808001), 0x3f81},  // just past halfway: up
      {-2.5f, 0xc020},
      {-0.0f, 0x8000},
      {std::numeric_limits<float>::infinity(), 0x7f80},
      {std::numeric_limits<float>::max(), 0x7f80},  // rounds past the largest bf16: infinity
      {from_bits(0x7f800001), 0x7fc0},              // a NaN whose payload sits in the low bits stays NaN
      {from_bits(0xffc12345), 0xffc1},
  };
  std::vector<float> src;
  for (const auto& c : cases) src.push_back(c.first);
  std::vector<uint16_t> dst(src.size());
  cpu::round_to_bf16(int64_t(src.size()), src.data(), dst.data());
  for (size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(dst[i], cases[i].second) << "case " << i << " (0x" << std::hex << bits(cases[i].first) << ")";
}

TEST(KernelBf16Round, MatchesOneDnnsReorderOnManyChunks) {
  using dnnl::memory;
  const int64_t n = (int64_t{1} << 16) + 123;  // several of the loop's chunks and a ragged end
  std::vector<float> src(n);
  std::mt19937 gen(3);
  std::normal_distribution<float> dist(0.0f, 100.0f);
  for (auto& v : src) v = dist(gen);
  std::vector<uint16_t> ours(n), theirs(n);
  cpu::round_to_bf16(n, src.data(), ours.data());
  auto& engine = cpu::detail::dnnl_engine();
  memory from({{n}, memory::data_type::f32, memory::format_tag::a}, engine, src.data());
  memory to({{n}, memory::data_type::bf16, memory::format_tag::a}, engine, theirs.data());
  dnnl::reorder(from, to).execute(cpu::detail::dnnl_stream(), from, to);
  cpu::detail::dnnl_stream().wait();
  EXPECT_EQ(ours, theirs);
}

}  // namespace fovea::kernels
