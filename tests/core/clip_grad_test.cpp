// torch.nn.utils' gradient clipping: by hand-checked figures, and against torch 1.13's results
// (tests/fixtures/optim.safetensors, from tests/parity/make_optim_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/nn/utils.hpp"
#include "support/expect_tensor.hpp"
#include "support/fixture_file.hpp"

using namespace fovea;
using fovea::testing::error_of;
using fovea::testing::expect_contains;

namespace {

Tensor param(std::vector<float> values) {
  const auto n = static_cast<int64_t>(values.size());
  return from_vector(values, {n}).requires_grad_();
}

Tensor fx(const std::string& name) { return fovea::testing::fixture("optim.safetensors", name); }

// Parameters whose gradients are the fixture's.
std::vector<Tensor> with_fixture_grads() {
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) {
    Tensor g = fx("clip.grad" + std::to_string(i));
    Tensor p = zeros(g.shape()).requires_grad_();
    p.set_grad(g.clone());
    out.push_back(p);
  }
  return out;
}

void expect_grads(const std::vector<Tensor>& params, const std::string& prefix) {
  for (size_t i = 0; i < params.size(); ++i) {
    const std::vector<float> ours = params[i].grad().to_vector(), torch = fx(prefix + std::to_string(i)).to_vector();
    ASSERT_EQ(ours.size(), torch.size());
    for (size_t k = 0; k < ours.size(); ++k)
      EXPECT_NEAR(ours[k], torch[k], 1e-6 * (1 + std::abs(torch[k]))) << prefix << i << " element " << k;
  }
}

}  // namespace

TEST(ClipGrad, MatchesTorch) {
  const std::vector<std::pair<std::string, double>> norms = {
      {"2", 2.0}, {"1", 1.0}, {"3", 3.0}, {"inf", std::numeric_limits<double>::infinity()}};
  for (auto& [name, norm_type] : norms) {
    std::vector<Tensor> params = with_fixture_grads();
    const double total = nn::utils::clip_grad_norm_(params, 1.0, norm_type);
    const float torch_total = fx("clip.norm_" + name + ".total").to_vector()[0];
    EXPECT_NEAR(total, torch_total, 1e-6 * torch_total) << name;
    EXPECT_GT(total, 1.0) << name << ": the fixture's gradients are clipped";
    expect_grads(params, "clip.norm_" + name + ".grad");
  }
  std::vector<Tensor> params = with_fixture_grads();
  nn::utils::clip_grad_value_(params, 0.5);
  expect_grads(params, "clip.value.grad");
}

TEST(ClipGrad, NormIsTorchsAndScalesOnlyWhenAbove) {
  Tensor a = param({0, 0}), b = param({0}), no_grad = param({5});
  a.set_grad(from_vector({3, 4}, {2}));
  b.set_grad(from_vector({12}, {1}));
  std::vector<Tensor> ps = {a, b, no_grad};
  EXPECT_FLOAT_EQ(nn::utils::clip_grad_norm_(ps, 100.0), 13.0f);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{3, 4}));  // below max_norm: unchanged
  EXPECT_FLOAT_EQ(nn::utils::clip_grad_norm_(ps, 6.5), 13.0f);
  const float coef = 6.5f / (13.0f + 1e-6f);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{3 * coef, 4 * coef}));
  EXPECT_EQ(b.grad().to_vector(), (std::vector<float>{12 * coef}));
  EXPECT_FALSE(no_grad.grad().defined());

  b.set_grad(from_vector({-12}, {1}));
  a.set_grad(from_vector({3, 4}, {2}));
  EXPECT_FLOAT_EQ(nn::utils::clip_grad_norm_(ps, 100.0, std::numeric_limits<double>::infinity()), 12.0f);
  EXPECT_FLOAT_EQ(nn::utils::clip_grad_norm_(ps, 100.0, 1.0), 19.0f);
  EXPECT_EQ(nn::utils::clip_grad_norm_({no_grad}, 1.0), 0.0);

  b.set_grad(from_vector({std::numeric_limits<float>::infinity()}, {1}));
  expect_contains(error_of<ValueError>([&] { nn::utils::clip_grad_norm_(ps, 1.0, 2.0, true); }),
               {"clip_grad_norm_", "total norm", "inf", "error_if_nonfinite"});
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{3, 4}));
  expect_contains(error_of<ValueError>([&] { nn::utils::clip_grad_norm_(ps, 1.0, -2.0); }), {"clip_grad_norm_", "norm_type"});
}

TEST(ClipGrad, ValueClampsEveryElement) {
  Tensor a = param({0, 0, 0});
  a.set_grad(from_vector({-3, 0.5f, 2}, {3}));
  nn::utils::clip_grad_value_({a}, 1.0);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{-1, 0.5f, 1}));
  expect_contains(error_of<ValueError>([&] { nn::utils::clip_grad_value_({a}, -1.0); }), {"clip_grad_value_", "clip_value"});
}
