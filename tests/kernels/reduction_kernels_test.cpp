// The reduction, softmax, loss and Adam kernels against their naive references, on shapes that
// reach every loop (inner == 1 rows, inner blocks with a ragged tail, chunked long reductions),
// with NaN and ties, and bitwise independence from the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fovea/threads.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/reference/reference.hpp"

namespace fovea::kernels {
namespace {

namespace ref = reference;

std::vector<float> random_vector(int64_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what,
                  double rtol = 1e-5, double atol = 1e-6) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " element " << i;
      continue;
    }
    if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << what << " element " << i;
      continue;
    }
    ASSERT_NEAR(got[i], want[i], rtol * std::fabs(want[i]) + atol) << what << " element " << i;
  }
}

std::string describe(const ReduceShape& s) {
  return "[" + std::to_string(s.outer) + ", " + std::to_string(s.reduce) + ", " + std::to_string(s.inner) + "]";
}

const std::vector<ReduceShape> kShapes = {{1, 1, 1},  {3, 7, 1},   {2, 5, 3},     {4, 33, 17}, {5, 3, 40},
                                          {1, 1000, 1}, {2, 0, 3}, {1, 300000, 1}, {1, 150000, 3}, {3, 20000, 1},
                                          {64, 100, 1}};

int64_t numel(const ReduceShape& s) { return s.outer * s.reduce * s.inner; }

TEST(KernelReduce, SumMeanVarLogsumexpMatchReference) {
  for (const ReduceShape& s : kShapes) {
    SCOPED_TRACE(describe(s));
    const auto x = random_vector(numel(s), 1, -3.0f, 3.0f);
    for (bool mean : {false, true}) {
      std::vector<float> got(s.outputs()), want(s.outputs());
      cpu::sum_reduce(s, x.data(), got.data(), mean);
      ref::sum_reduce(s, x.data(), want.data(), mean);
      expect_close(got, want, mean ? "mean" : "sum");
    }
    for (bool root : {false, true})
      for (double correction : {0.0, 1.0}) {
        std::vector<float> got(s.outputs()), want(s.outputs());
        cpu::var_reduce(s, x.data(), got.data(), correction, root);
        ref::var_reduce(s, x.data(), want.data(), correction, root);
        expect_close(got, want, root ? "std" : "var", 1e-4);
        if (s.reduce == 0 || numel(s) > 100000) continue;
        const auto g = random_vector(s.outputs(), 2);
        std::vector<float> gx(numel(s)), gw(numel(s));
        cpu::var_backward(s, x.data(), g.data(), root ? got.data() : nullptr, correction, gx.data());
        ref::var_backward(s, x.data(), g.data(), root ? want.data() : nullptr, correction, gw.data());
        expect_close(gx, gw, "var backward", 1e-4, 1e-5);
      }
    std::vector<float> got(s.outputs()), want(s.outputs());
    cpu::logsumexp_reduce(s, x.data(), got.data());
    ref::logsumexp_reduce(s, x.data(), want.data());
    expect_close(got, want, "logsumexp");
    const auto g = random_vector(s.outputs(), 3);
    std::vector<float> gx(numel(s)), gw(numel(s));
    cpu::logsumexp_backward(s, x.data(), got.data(), g.data(), gx.data());
    ref::logsumexp_backward(s, x.data(), got.data(), g.data(), gw.data());
    expect_close(gx, gw, "logsumexp backward");
  }
}

TEST(KernelReduce, Int64Sum) {
  const ReduceShape s{3, 5, 4};
  std::vector<int64_t> x(60), got(12), want(12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = int64_t(i * i) - 7;
  cpu::sum_reduce_int64(s, x.data(), got.data());
  ref::sum_reduce_int64(s, x.data(), want.data());
  EXPECT_EQ(got, want);
}

TEST(KernelReduce, MaxMinMatchReferenceWithTiesAndNan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const ReduceShape& s : kShapes) {
    if (s.reduce == 0) continue;
    SCOPED_TRACE(describe(s));
    auto x = random_vector(numel(s), 4);
    for (auto& v : x) v = std::round(v * 4.0f);  // many ties
    for (int variant = 0; variant < 2; ++variant) {
      if (variant == 1)
        for (size_t i = 7; i < x.size(); i += 997) x[i] = nan;
      for (bool is_min : {false, true}) {
        std::vector<float> gv(s.outputs()), wv(s.outputs());
        std::vector<int64_t> gi(s.outputs()), wi(s.outputs());
        (is_min ? cpu::min_reduce : cpu::max_reduce)(s, x.data(), gv.data(), gi.data());
        (is_min ? ref::min_reduce : ref::max_reduce)(s, x.data(), wv.data(), wi.data());
        expect_close(gv, wv, is_min ? "min" : "max");
        EXPECT_EQ(gi, wi) << (is_min ? "argmin" : "argmax");
      }
    }
  }
}

TEST(KernelReduce, IndexAndSpreadBackward) {
  const ReduceShape s{3, 4, 5};
  std::vector<int64_t> idx(15);
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = int64_t(i % 4);
  const auto g = random_vector(15, 5);
  std::vector<float> got(60), want(60);
  cpu::index_reduce_backward(s, idx.data(), g.data(), got.data());
  ref::index_reduce_backward(s, idx.data(), g.data(), want.data());
  expect_close(got, want, "index backward");
  const std::vector<float> x = {1, 3, std::numeric_limits<float>::quiet_NaN(), 3, 2};
  std::vector<float> a(5), b(5);
  for (float value : {3.0f, std::numeric_limits<float>::quiet_NaN()}) {
    cpu::spread_to_extremum_backward(5, x.data(), value, 2.0f, a.data());
    ref::spread_to_extremum_backward(5, x.data(), value, 2.0f, b.data());
    expect_close(a, b, "spread");
  }
}

TEST(KernelReduce, SoftmaxAlongMiddleMatchesReference) {
  for (const ReduceShape& s : kShapes) {
    if (s.reduce == 0 || numel(s) > 100000) continue;
    SCOPED_TRACE(describe(s));
    const auto x = random_vector(numel(s), 6, -20.0f, 20.0f);
    const auto g = random_vector(numel(s), 7);
    for (bool log : {false, true}) {
      std::vector<float> y(numel(s)), yw(numel(s)), gx(numel(s)), gw(numel(s));
      cpu::softmax_forward(s, x.data(), y.data(), log);
      ref::softmax_forward(s, x.data(), yw.data(), log);
      expect_close(y, yw, log ? "log_softmax" : "softmax", 1e-5, 1e-6);
      cpu::softmax_backward(s, yw.data(), g.data(), gx.data(), log);
      ref::softmax_backward(s, yw.data(), g.data(), gw.data(), log);
      expect_close(gx, gw, "softmax backward", 1e-4, 1e-5);
    }
  }
}

TEST(KernelReduce, ResultsDoNotDependOnThreadCount) {
  const int before = get_num_threads();
  for (const ReduceShape& s : {ReduceShape{1, 1 << 20, 1}, ReduceShape{2, 1 << 18, 2}, ReduceShape{512, 64, 33}}) {
    const auto x = random_vector(numel(s), 8);
    std::vector<float> one(s.outputs()), two(s.outputs());
    set_num_threads(1);
    cpu::sum_reduce(s, x.data(), one.data(), false);
    set_num_threads(2);
    cpu::sum_reduce(s, x.data(), two.data(), false);
    EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0) << describe(s);
  }
  set_num_threads(before);
}

TEST(KernelLoss, ElementwiseLossesMatchReference) {
  const int64_t n = 70001;  // threaded, with a ragged tail
  const auto x = random_vector(n, 9, -3.0f, 3.0f), t = random_vector(n, 10, -3.0f, 3.0f);
  const auto g = random_vector(n, 11), w = random_vector(n, 12, 0.0f, 2.0f), pw = random_vector(n, 13, 0.5f, 3.0f);
  const auto p = random_vector(n, 14, 0.0f, 1.0f);
  for (RegressionLoss kind : {RegressionLoss::Mse, RegressionLoss::L1, RegressionLoss::SmoothL1}) {
    std::vector<float> a(n), b(n);
    cpu::regression_loss_forward(kind, n, x.data(), t.data(), 0.7f, a.data());
    ref::regression_loss_forward(kind, n, x.data(), t.data(), 0.7f, b.data());
    expect_close(a, b, "regression loss");
    cpu::regression_loss_backward(kind, n, x.data(), t.data(), 0.7f, g.data(), a.data());
    ref::regression_loss_backward(kind, n, x.data(), t.data(), 0.7f, g.data(), b.data());
    expect_close(a, b, "regression loss backward");
  }
  for (const float* weight : {static_cast<const float*>(nullptr), w.data()})
    for (const float* pos : {static_cast<const float*>(nullptr), pw.data()}) {
      std::vector<float> a(n), b(n), at(n), bt(n);
      cpu::bce_with_logits_forward(n, x.data(), p.data(), weight, pos, a.data());
      ref::bce_with_logits_forward(n, x.data(), p.data(), weight, pos, b.data());
      expect_close(a, b, "bce", 1e-5, 1e-5);
      cpu::bce_with_logits_backward(n, x.data(), p.data(), weight, pos, g.data(), a.data(), at.data());
      ref::bce_with_logits_backward(n, x.data(), p.data(), weight, pos, g.data(), b.data(), bt.data());
      expect_close(a, b, "bce backward input", 1e-5, 1e-5);
      expect_close(at, bt, "bce backward target", 1e-5, 1e-5);
    }
}

TEST(KernelLoss, WeightedNllRowsMatchReference) {
  const int64_t rows = 300, classes = 7;
  const auto lp = random_vector(rows * classes, 15, -5.0f, 0.0f), w = random_vector(classes, 16, 0.1f, 2.0f);
  const auto g = random_vector(rows, 17);
  std::vector<int64_t> target(rows);
  for (int64_t r = 0; r < rows; ++r) target[r] = r % 9 == 0 ? -100 : r % classes;
  for (const float* weight : {static_cast<const float*>(nullptr), w.data()}) {
    std::vector<float> a(rows), b(rows), aw(rows), bw(rows);
    cpu::nll_loss_rows(rows, classes, lp.data(), target.data(), weight, -100, a.data(), aw.data());
    ref::nll_loss_rows(rows, classes, lp.data(), target.data(), weight, -100, b.data(), bw.data());
    expect_close(a, b, "nll rows");
    expect_close(aw, bw, "nll row weights");
    std::vector<float> ga(rows * classes), gb(rows * classes);
    cpu::nll_loss_rows_backward(rows, classes, target.data(), weight, -100, g.data(), ga.data());
    ref::nll_loss_rows_backward(rows, classes, target.data(), weight, -100, g.data(), gb.data());
    expect_close(ga, gb, "nll rows backward");
  }
}

TEST(KernelOptim, AdamMatchesReferenceBitForBit) {
  const int64_t n = 40003;
  const auto g = random_vector(n, 18);
  for (bool amsgrad : {false, true})
    for (float decay : {0.0f, 0.01f}) {
      auto w1 = random_vector(n, 19), w2 = w1;
      std::vector<float> m1(n, 0.0f), v1(n, 0.0f), x1(n, 0.0f), m2 = m1, v2 = v1, x2 = x1;
      for (int t = 1; t <= 3; ++t) {
        const AdamStep h{0.9f, 0.999f, 1e-8f, decay, float(1e-3 / (1.0 - std::pow(0.9, t))),
                         float(std::sqrt(1.0 - std::pow(0.999, t)))};
        cpu::adam_update(n, w1.data(), g.data(), m1.data(), v1.data(), amsgrad ? x1.data() : nullptr, h);
        ref::adam_update(n, w2.data(), g.data(), m2.data(), v2.data(), amsgrad ? x2.data() : nullptr, h);
      }
      EXPECT_EQ(std::memcmp(w1.data(), w2.data(), n * sizeof(float)), 0) << "amsgrad " << amsgrad;
      EXPECT_EQ(std::memcmp(v1.data(), v2.data(), n * sizeof(float)), 0);
    }
}

TEST(KernelOptim, AdamWScaleMatchesReferenceBitForBit) {
  const int64_t n = 40003;
  const auto g = random_vector(n, 20);
  auto w1 = random_vector(n, 21), w2 = w1;
  std::vector<float> m1(n, 0.0f), v1(n, 0.0f), m2 = m1, v2 = v1;
  AdamStep h{0.9f, 0.999f, 1e-8f, 0.0f, float(1e-3 / 0.1), float(std::sqrt(1.0 - 0.999))};
  h.param_scale = float(1.0 - 1e-3 * 0.01);
  cpu::adam_update(n, w1.data(), g.data(), m1.data(), v1.data(), nullptr, h);
  ref::adam_update(n, w2.data(), g.data(), m2.data(), v2.data(), nullptr, h);
  EXPECT_EQ(std::memcmp(w1.data(), w2.data(), n * sizeof(float)), 0);
  // The scale is applied: without it the weights differ.
  auto w3 = random_vector(n, 21);
  std::vector<float> m3(n, 0.0f), v3(n, 0.0f);
  h.param_scale = 1.0f;
  ref::adam_update(n, w3.data(), g.data(), m3.data(), v3.data(), nullptr, h);
  EXPECT_NE(std::memcmp(w1.data(), w3.data(), n * sizeof(float)), 0);
}

TEST(KernelOptim, RMSpropMatchesReferenceBitForBit) {
  const int64_t n = 40003;
  const auto g = random_vector(n, 22);
  for (bool centered : {false, true})
    for (float momentum : {0.0f, 0.9f})
      for (float decay : {0.0f, 0.01f}) {
        auto w1 = random_vector(n, 23), w2 = w1;
        std::vector<float> s1(n, 0.0f), a1(n, 0.0f), b1(n, 0.0f), s2 = s1, a2 = a1, b2 = b1;
        const RMSpropStep h{1e-2f, 0.99f, float(1.0 - 0.99), 1e-8f, decay, momentum, centered};
        for (int t = 1; t <= 3; ++t) {
          cpu::rmsprop_update(n, w1.data(), g.data(), s1.data(), a1.data(), b1.data(), h);
          ref::rmsprop_update(n, w2.data(), g.data(), s2.data(), a2.data(), b2.data(), h);
        }
        EXPECT_EQ(std::memcmp(w1.data(), w2.data(), n * sizeof(float)), 0)
            << "centered " << centered << " momentum " << momentum << " decay " << decay;
      }
}

// The fused steps (one parallel region for many parameters, a thread's share cutting through
// them anywhere) give each parameter exactly what its own update gives, on any thread count.
// Sizes: the seed model's 8 tensors, whose 206,922 elements in all are worth threads.
const std::vector<int64_t> kSeedSizes = {144, 16, 4608, 32, 200704, 128, 1280, 10};

TEST(KernelOptim, FusedSgdIsThePerParameterUpdate) {
  const int threads_before = get_num_threads();
  for (int threads : {1, 2, 3})
    for (bool nesterov : {false, true}) {
      set_num_threads(threads);
      std::vector<std::vector<float>> w1, w2, b1, b2, g;
      for (size_t i = 0; i < kSeedSizes.size(); ++i) {
        g.push_back(random_vector(kSeedSizes[i], 30 + int(i)));
        w1.push_back(random_vector(kSeedSizes[i], 50 + int(i)));
        w2.push_back(w1.back());
        b1.emplace_back(size_t(kSeedSizes[i]), 0.0f);
        b2.emplace_back(size_t(kSeedSizes[i]), 0.0f);
      }
      for (int t = 0; t < 3; ++t) {
        std::vector<SgdParam> work;
        for (size_t i = 0; i < kSeedSizes.size(); ++i) {
          // Every other parameter without momentum, and each with its own rate and decay.
          const float momentum = i % 2 ? 0.0f : 0.9f, lr = 0.01f * float(i + 1), decay = i % 3 ? 1e-4f : 0.0f;
          const bool nest = nesterov && momentum != 0.0f;
          work.push_back({kSeedSizes[i], w1[i].data(), g[i].data(), b1[i].data(), lr, momentum, 0.0f, decay, nest,
                          t == 0});
          cpu::sgd_update(kSeedSizes[i], w2[i].data(), g[i].data(), b2[i].data(), lr, momentum, 0.0f, decay, nest,
                          t == 0);
        }
        cpu::sgd_update_fused(int64_t(work.size()), work.data());
      }
      for (size_t i = 0; i < kSeedSizes.size(); ++i) {
        EXPECT_EQ(w1[i], w2[i]) << "parameter " << i << ", " << threads << " threads";
        EXPECT_EQ(b1[i], b2[i]) << "parameter " << i << ", " << threads << " threads";
      }
    }
  set_num_threads(threads_before);
}

TEST(KernelOptim, FusedAdamAndRMSpropAreTheReferenceUpdate) {
  const int threads_before = get_num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<std::vector<float>> w1, w2, m1, m2, v1, v2, x1, x2, g;
    for (size_t i = 0; i < kSeedSizes.size(); ++i) {
      g.push_back(random_vector(kSeedSizes[i], 70 + int(i)));
      w1.push_back(random_vector(kSeedSizes[i], 90 + int(i)));
      w2.push_back(w1.back());
      for (auto* v : {&m1, &m2, &v1, &v2, &x1, &x2}) v->emplace_back(size_t(kSeedSizes[i]), 0.0f);
    }
    for (int t = 1; t <= 3; ++t) {
      std::vector<AdamParam> work;
      for (size_t i = 0; i < kSeedSizes.size(); ++i) {
        AdamStep h{0.9f, 0.999f, 1e-8f, i % 2 ? 0.01f : 0.0f, float(1e-3 * double(i + 1) / (1.0 - std::pow(0.9, t))),
                   float(std::sqrt(1.0 - std::pow(0.999, t)))};
        if (i % 3 == 0) h.param_scale = 0.99f;
        float* vmax1 = i % 4 == 1 ? x1[i].data() : nullptr;
        float* vmax2 = i % 4 == 1 ? x2[i].data() : nullptr;
        work.push_back({kSeedSizes[i], w1[i].data(), g[i].data(), m1[i].data(), v1[i].data(), vmax1, h});
        ref::adam_update(kSeedSizes[i], w2[i].data(), g[i].data(), m2[i].data(), v2[i].data(), vmax2, h);
      }
      cpu::adam_update_fused(int64_t(work.size()), work.data());
    }
    for (size_t i = 0; i < kSeedSizes.size(); ++i) {
      EXPECT_EQ(w1[i], w2[i]) << "Adam parameter " << i << ", " << threads << " threads";
      EXPECT_EQ(v1[i], v2[i]) << "Adam parameter " << i << ", " << threads << " threads";
    }
    // RMSprop over the same tensors (m: square_avg, v: grad_avg, x: momentum buffer).
    for (auto* state : {&m1, &m2, &v1, &v2, &x1, &x2})
      for (auto& t : *state) std::fill(t.begin(), t.end(), 0.0f);  // torch starts them at zeros
    for (int t = 1; t <= 3; ++t) {
      std::vector<RMSpropParam> work;
      for (size_t i = 0; i < kSeedSizes.size(); ++i) {
        const bool centered = i % 2 == 1;
        const float momentum = i % 3 ? 0.9f : 0.0f;
        const RMSpropStep h{1e-2f, 0.99f, float(1.0 - 0.99), 1e-8f, i % 4 ? 0.0f : 0.01f, momentum, centered};
        work.push_back({kSeedSizes[i], w1[i].data(), g[i].data(), m1[i].data(), v1[i].data(), x1[i].data(), h});
        ref::rmsprop_update(kSeedSizes[i], w2[i].data(), g[i].data(), m2[i].data(), v2[i].data(), x2[i].data(), h);
      }
      cpu::rmsprop_update_fused(int64_t(work.size()), work.data());
    }
    for (size_t i = 0; i < kSeedSizes.size(); ++i)
      EXPECT_EQ(w1[i], w2[i]) << "RMSprop parameter " << i << ", " << threads << " threads";
  }
  set_num_threads(threads_before);
}

}  // namespace
}  // namespace fovea::kernels
