// Tensor's view methods (src/ops/shape.cpp): storage shared with the base, Python's slice rules,
// negative dimensions, PyTorch's errors, and gradients through each.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/gradcheck.hpp"
#include "support/expect_tensor.hpp"

using namespace fovea;
using fovea::testing::error_of;
using fovea::testing::expect_values;
using fovea::testing::cube;
using fovea::testing::grid;
using fovea::testing::expect_gradients_match;
using V = std::vector<Tensor>;

namespace {


// Whether writing through `view_of(base)` changes base: the view shares its storage.
bool writes_through(const std::function<Tensor(const Tensor&)>& view_of) {
  const Tensor base = grid();
  view_of(base).fill_(-7.f);
  const std::vector<float> values = base.to_vector();
  return std::count(values.begin(), values.end(), -7.f) > 0;
}

}  // namespace

class ShapeOps : public ::testing::Test {
 protected:
  void SetUp() override { manual_seed(2); }
};

TEST_F(ShapeOps, ViewsShareTheBaseStorage) {
  using Make = std::function<Tensor(const Tensor&)>;
  const std::vector<std::pair<const char*, Make>> views = {
      {"view", [](const Tensor& x) { return x.view({4, 3}); }},
      {"reshape", [](const Tensor& x) { return x.reshape({12}); }},
      {"flatten", [](const Tensor& x) { return x.flatten(); }},
      {"permute", [](const Tensor& x) { return x.permute({1, 0}); }},
      {"transpose", [](const Tensor& x) { return x.transpose(0, -1); }},
      {"t", [](const Tensor& x) { return x.t(); }},
      {"unsqueeze", [](const Tensor& x) { return x.unsqueeze(1); }},
      {"squeeze", [](const Tensor& x) { return x.unsqueeze(0).squeeze(); }},
      {"squeeze(dim)", [](const Tensor& x) { return x.unsqueeze(2).squeeze(-1); }},
      {"squeeze(dim of size > 1)", [](const Tensor& x) { return x.squeeze(0); }},
      {"expand", [](const Tensor& x) { return x.expand({2, 3, 4}); }},
      {"slice", [](const Tensor& x) { return x.slice(1, 1, 4, 2); }},
      {"narrow", [](const Tensor& x) { return x.narrow(0, 1, 2); }},
      {"select", [](const Tensor& x) { return x.select(1, -1); }},
      {"split", [](const Tensor& x) { return x.split(2)[1]; }},
      {"chunk", [](const Tensor& x) { return x.chunk(2, 1)[0]; }},
      {"contiguous", [](const Tensor& x) { return x.contiguous(); }},
  };
  for (const auto& [name, make] : views) EXPECT_TRUE(writes_through(make)) << name;
  EXPECT_FALSE(writes_through([](const Tensor& x) { return x.clone(); }));
  EXPECT_FALSE(writes_through([](const Tensor& x) { return x.t().contiguous(); }));
  EXPECT_FALSE(writes_through([](const Tensor& x) { return x.t().reshape({12}); }));  // a copy: no view can do it
}

TEST_F(ShapeOps, WritesThroughViewsShowInTheBase) {
  Tensor x = grid();
  x.t().select(0, 1).select(0, 2).fill_(100.f);  // torch: x.t()[1, 2] = 100
  expect_values(x, {3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 10, 11});
  x = grid();
  x.expand({2, 3, 4}).select(0, 1).select(0, 0).select(0, 0).fill_(50.f);
  EXPECT_EQ(x.at(0), 50.f);
  x = grid();
  x.slice(1, 1, 4, 2).fill_(-1.f);  // x[:, 1::2]
  expect_values(x, {3, 4}, {0, -1, 2, -1, 4, -1, 6, -1, 8, -1, 10, -1});
  x = grid();
  x.view({2, 6}).select(0, 1).fill_(0.f);
  expect_values(x, {3, 4}, {0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0});
}

TEST_F(ShapeOps, SliceFollowsPython) {
  const Tensor x = arange(0, 10);
  EXPECT_EQ(x.slice(0, -7, -1, 2).to_vector(), (std::vector<float>{3, 5, 7}));
  EXPECT_EQ(x.slice(0, -100, 100, 3).to_vector(), (std::vector<float>{0, 3, 6, 9}));
  EXPECT_EQ(x.slice(0, 7, 2).numel(), 0);
  EXPECT_EQ(x.narrow(0, -3, 2).to_vector(), (std::vector<float>{7, 8}));
  EXPECT_EQ(x.select(0, -1).item(), 9.f);
  expect_values(cube().slice(1, 1, 3).slice(-1, 0, 4, 3), {2, 2, 2}, {4, 7, 8, 11, 16, 19, 20, 23});
}

TEST_F(ShapeOps, ShapesOfViews) {
  const Tensor x = cube();
  expect_values(x.transpose(0, 2).flatten(1), {4, 6},
                {0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23});
  EXPECT_EQ(x.view({-1, 4}).shape(), (Shape{6, 4}));
  EXPECT_EQ(x.flatten(0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(x.flatten(-2).shape(), (Shape{2, 12}));
  EXPECT_EQ(x.permute({-1, 0, 1}).shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(x.unsqueeze(-1).shape(), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(x.unsqueeze(-4).shape(), (Shape{1, 2, 3, 4}));
  EXPECT_EQ(x.squeeze(1).shape(), (Shape{2, 3, 4}));  // not of size 1: unchanged
  EXPECT_EQ(x.slice(1, 0, 1).squeeze().shape(), (Shape{2, 4}));
  EXPECT_EQ(x.expand({5, -1, -1, 4}).shape(), (Shape{5, 2, 3, 4}));
  EXPECT_EQ(x.expand({5, -1, -1, 4}).stride(0), 0);
  EXPECT_EQ(x.slice(2, 0, 1).expand({2, 3, 7}).shape(), (Shape{2, 3, 7}));
  // A sliced tensor still views where its chunks allow it.
  EXPECT_EQ(arange(0, 24).reshape({4, 6}).slice(1, 1, 5).view({2, 2, 4}).strides(), (Shape{12, 6, 1}));
  // 0-d tensors.
  const Tensor s = full({}, 3.f);
  EXPECT_EQ(s.view({1, 1}).shape(), (Shape{1, 1}));
  EXPECT_EQ(s.reshape({1}).shape(), (Shape{1}));
  EXPECT_EQ(s.flatten().shape(), (Shape{1}));
  EXPECT_EQ(s.transpose(0, -1).dim(), 0);
  EXPECT_EQ(s.t().dim(), 0);
  EXPECT_EQ(s.unsqueeze(0).shape(), (Shape{1}));
  EXPECT_EQ(s.squeeze(-1).dim(), 0);
  EXPECT_EQ(s.expand({2, 3}).shape(), (Shape{2, 3}));
  // Empty tensors.
  const Tensor e = zeros({0, 3});
  EXPECT_EQ(e.view({3, 0}).shape(), (Shape{3, 0}));
  EXPECT_EQ(e.reshape({-1, 1, 3}).shape(), (Shape{0, 1, 3}));
  EXPECT_EQ(e.t().slice(1, 0, 5).shape(), (Shape{3, 0}));
}

TEST_F(ShapeOps, SplitAndChunkFollowTorch) {
  auto shapes = [](const std::vector<Tensor>& parts) {
    std::vector<Shape> out;
    for (const Tensor& p : parts) out.push_back(p.shape());
    return out;
  };
  EXPECT_EQ(shapes(zeros({5, 3}).chunk(3)), (std::vector<Shape>{{2, 3}, {2, 3}, {1, 3}}));
  EXPECT_EQ(shapes(zeros({6, 3}).chunk(4)), (std::vector<Shape>{{2, 3}, {2, 3}, {2, 3}}));
  EXPECT_EQ(shapes(zeros({2, 3}).chunk(4)), (std::vector<Shape>{{1, 3}, {1, 3}}));
  EXPECT_EQ(shapes(zeros({0, 3}).chunk(3)), (std::vector<Shape>{{0, 3}, {0, 3}, {0, 3}}));
  EXPECT_EQ(shapes(zeros({3, 5}).split(2, -1)), (std::vector<Shape>{{3, 2}, {3, 2}, {3, 1}}));
  EXPECT_EQ(shapes(zeros({3, 5}).split(Shape{1, 0, 4}, 1)), (std::vector<Shape>{{3, 1}, {3, 0}, {3, 4}}));
  EXPECT_EQ(shapes(zeros({0}).split(0)), (std::vector<Shape>{{0}}));
  EXPECT_EQ(shapes(zeros({0}).split(2)), (std::vector<Shape>{{0}}));
  const std::vector<Tensor> parts = grid().split(Shape{1, 3}, 1);
  EXPECT_EQ(parts[1].to_vector(), (std::vector<float>{1, 2, 3, 5, 6, 7, 9, 10, 11}));
}

TEST_F(ShapeOps, ErrorsFollowTorch) {
  const Tensor x = grid();
  std::string e = error_of([&] { x.t().view({12}); });
  EXPECT_NE(e.find("reshape"), std::string::npos) << e;
  EXPECT_THROW(x.t().view({12}), ShapeError);
  e = error_of([&] { x.unsqueeze(3); });
  EXPECT_NE(e.find("[-3, 2]"), std::string::npos) << e;
  EXPECT_THROW(x.unsqueeze(3), IndexError);
  e = error_of([&] { x.squeeze(2); });
  EXPECT_NE(e.find("[-2, 1]"), std::string::npos) << e;
  EXPECT_THROW(x.transpose(0, 2), IndexError);
  EXPECT_THROW(full({}, 1.f).transpose(0, 1), IndexError);
  EXPECT_THROW(x.permute({0, 0}), ShapeError);
  EXPECT_THROW(x.permute({0}), ShapeError);
  EXPECT_THROW(x.permute({0, 2}), IndexError);
  EXPECT_THROW(x.view({-1, -1}), ShapeError);
  e = error_of([&] { x.view({5, -1}); });
  EXPECT_NE(e.find("[5, -1]"), std::string::npos) << e;
  EXPECT_NE(e.find("12"), std::string::npos) << e;
  EXPECT_THROW(x.view({-2, 6}), ShapeError);
  EXPECT_THROW(x.reshape({5}), ShapeError);
  EXPECT_THROW(x.flatten(1, 0), ShapeError);
  EXPECT_THROW(full({}, 1.f).flatten(1), IndexError);
  e = error_of([&] { x.expand({3, 3}); });
  EXPECT_NE(e.find("[3, 4]"), std::string::npos) << e;
  EXPECT_THROW(x.expand({4}), ShapeError);
  EXPECT_THROW(x.expand({-1, 3, 4}), ShapeError);
  EXPECT_THROW(x.slice(1, 0, 2, 0), ValueError);
  EXPECT_THROW(full({}, 1.f).slice(0, 0, 1), IndexError);
  e = error_of([&] { x.narrow(1, 1, 5); });
  EXPECT_NE(e.find("exceeds"), std::string::npos) << e;
  EXPECT_THROW(x.narrow(1, 1, -1), IndexError);
  EXPECT_THROW(x.narrow(1, -5, 1), IndexError);
  e = error_of([&] { x.select(1, 4); });
  EXPECT_NE(e.find("index 4"), std::string::npos) << e;
  EXPECT_THROW(x.select(0, -4), IndexError);
  EXPECT_THROW(x.split(0), ValueError);
  EXPECT_THROW(x.split(-1), ValueError);
  e = error_of([&] { x.split(Shape{1, 1}, 0); });
  EXPECT_NE(e.find("[1, 1]"), std::string::npos) << e;
  EXPECT_THROW(x.split(Shape{4, -1}, 0), ValueError);
  EXPECT_THROW(x.chunk(0), ValueError);
  EXPECT_THROW(cube().t(), ShapeError);
}

TEST_F(ShapeOps, Gradients) {
  const Shape s{2, 3, 4};
  expect_gradients_match([](const V& v) { return v[0].view({6, 4}); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].transpose(0, 2).reshape({4, 6}); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].flatten(1); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].permute({2, 0, 1}).contiguous(); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].t().contiguous(); }, {randn({3, 4})});
  expect_gradients_match([](const V& v) { return v[0].unsqueeze(1).squeeze(); }, {randn({3, 4})});
  expect_gradients_match([](const V& v) { return v[0].squeeze(1).unsqueeze(-1); }, {randn({3, 1, 4})});
  expect_gradients_match([](const V& v) { return v[0].expand({2, 3, 4}).contiguous(); }, {randn({3, 1})});
  expect_gradients_match([](const V& v) { return v[0].slice(-1, -3, 4, 2).contiguous(); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].narrow(1, 1, 2).contiguous(); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].select(1, -1).contiguous(); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].clone(); }, {randn(s)});
  expect_gradients_match([](const V& v) { return v[0].t().contiguous(); }, {randn({3, 4})});
  expect_gradients_match(
      [](const V& v) {
        const std::vector<Tensor> parts = v[0].split(Shape{1, 3}, 1);
        return add(parts[0], mul(parts[1].slice(1, 0, 1), parts[1].slice(1, 2, 3)));
      },
      {randn({3, 4})});
  expect_gradients_match(
      [](const V& v) {
        const std::vector<Tensor> parts = v[0].chunk(2, 0);
        return mul(parts[0], parts[1]);
      },
      {randn({4, 3})});
}
