// cat, stack, pad: values against torch 1.13, dtypes, PyTorch's legacy empty-tensor rule, errors,
// and gradients (slices for cat, the inner region for constant pad, the folded border for reflect).
#include <gtest/gtest.h>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/gradcheck.hpp"
#include "support/expect_tensor.hpp"

using namespace fovea;
using fovea::testing::error_of;
using fovea::testing::expect_values;
using fovea::testing::grid;
using fovea::testing::expect_gradients_match;
using V = std::vector<Tensor>;

class Join : public ::testing::Test {
 protected:
  void SetUp() override { manual_seed(3); }
};

TEST_F(Join, CatMatchesTorch) {
  const Tensor x = grid();
  // torch.cat([x[:, :1], x.t()[:2].t()], 1): a non-contiguous part.
  expect_values(cat({x.slice(1, 0, 1), x.t().slice(0, 0, 2).t()}, 1), {3, 3}, {0, 0, 1, 4, 4, 5, 8, 8, 9});
  expect_values(cat({x.slice(0, 2, 3), x.slice(0, 0, 1)}, -2), {2, 4}, {8, 9, 10, 11, 0, 1, 2, 3});
  // Type promotion, and the legacy rule: a 1-D empty tensor is skipped whatever the others' shape.
  Tensor mixed = cat({tensor({1.5f}), tensor({2, 3}), tensor({true})});
  EXPECT_EQ(mixed.dtype(), kFloat32);
  EXPECT_EQ(mixed.to_vector(), (std::vector<float>{1.5, 2, 3, 1}));
  EXPECT_EQ(cat({tensor({2}), tensor({true})}).dtype(), kInt64);
  EXPECT_EQ(cat({x, zeros({0})}).shape(), (Shape{3, 4}));
  EXPECT_EQ(cat({zeros({0}), x}, 1).shape(), (Shape{3, 4}));
  EXPECT_EQ(cat({zeros({0}), zeros({0})}).shape(), (Shape{0}));
  EXPECT_EQ(cat({x, zeros({0, 4})}).shape(), (Shape{3, 4}));
  // The result is new storage.
  Tensor c = cat({x});
  c.fill_(1.f);
  EXPECT_EQ(x.at(0), 0.f);
}

TEST_F(Join, CatErrors) {
  EXPECT_THROW(cat({}), ValueError);
  std::string e = error_of([] { cat({zeros({2, 3}), zeros({2, 4})}); });
  EXPECT_NE(e.find("[2, 4]"), std::string::npos) << e;
  EXPECT_NE(e.find("dimension 0"), std::string::npos) << e;
  EXPECT_THROW(cat({zeros({2, 3}), zeros({2})}), ShapeError);
  EXPECT_THROW(cat({full({}, 1.f), full({}, 2.f)}), ShapeError);
  e = error_of([] { cat({zeros({2, 3})}, 2); });
  EXPECT_NE(e.find("[-2, 1]"), std::string::npos) << e;
  EXPECT_THROW(cat({zeros({2}), Tensor()}), Error);
}

TEST_F(Join, StackMatchesTorch) {
  expect_values(stack({tensor({1.f, 2.f}), tensor({3.f, 4.f})}, 1), {2, 2}, {1, 3, 2, 4});
  EXPECT_EQ(stack({grid(), grid()}, -1).shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(stack({grid(), grid()}).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(stack({full({}, 1.f), full({}, 2.f)}).to_vector(), (std::vector<float>{1, 2}));
  EXPECT_THROW(stack({}), ValueError);
  std::string e = error_of([] { stack({zeros({2}), zeros({3})}); });
  EXPECT_NE(e.find("[3] at entry 1"), std::string::npos) << e;
  EXPECT_THROW(stack({grid(), grid()}, 3), IndexError);
  EXPECT_THROW(stack({grid(), Tensor()}), Error);
  EXPECT_THROW(pad(Tensor(), {1, 1}), Error);
}

TEST_F(Join, ConstantPadMatchesTorch) {
  expect_values(pad(grid(), {1, 2}, "constant", 7.f), {3, 7},
                {7, 0, 1, 2, 3, 7, 7, 7, 4, 5, 6, 7, 7, 7, 7, 8, 9, 10, 11, 7, 7});
  // Negative pads crop, as F.pad: (-1, 1) on the last dimension, (1, -2) on the first.
  expect_values(pad(grid(), {-1, 1, 1, -2}, "constant", -1.f), {2, 4}, {-1, -1, -1, -1, 1, 2, 3, -1});
  EXPECT_EQ(pad(grid(), {-4, 0}).shape(), (Shape{3, 0}));
  EXPECT_EQ(pad(grid(), {}).shape(), (Shape{3, 4}));
  Tensor ints = pad(tensor({0, 0, 0}), {1, 1}, "constant", 2.f);
  EXPECT_EQ(ints.dtype(), kInt64);
  EXPECT_EQ(ints.to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 0, 0, 2}));
  expect_values(pad(grid().t(), {0, 0, 1, 0}), {5, 3}, {0, 0, 0, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
}

TEST_F(Join, ReflectPadMatchesTorch) {
  const Tensor x = grid().unsqueeze(0);
  expect_values(pad(x, {2, 1}, "reflect"), {1, 3, 7},
                {2, 1, 0, 1, 2, 3, 2, 6, 5, 4, 5, 6, 7, 6, 10, 9, 8, 9, 10, 11, 10});
  expect_values(pad(x, {1, 1, 2, 1}, "reflect"), {1, 6, 6},
                {9, 8, 9, 10, 11, 10, 5, 4, 5, 6, 7, 6, 1, 0, 1, 2, 3, 2,
                 5, 4, 5, 6, 7, 6, 9, 8, 9, 10, 11, 10, 5, 4, 5, 6, 7, 6});
  expect_values(pad(x, {-1, 2}, "reflect"), {1, 3, 5}, {1, 2, 3, 2, 1, 5, 6, 7, 6, 5, 9, 10, 11, 10, 9});
}

TEST_F(Join, PadErrors) {
  std::string e = error_of([] { pad(grid(), {1, 2, 3}); });
  EXPECT_NE(e.find("even"), std::string::npos) << e;
  EXPECT_THROW(pad(grid(), {1, 2, 3, 4, 5, 6}), ValueError);
  EXPECT_THROW(pad(full({}, 1.f), {0, 0}), ValueError);
  e = error_of([] { pad(grid(), {-5, 0}); });
  EXPECT_NE(e.find("negative size"), std::string::npos) << e;
  e = error_of([] { pad(grid().unsqueeze(0), {4, 1}, "reflect"); });
  EXPECT_NE(e.find("(4, 1)"), std::string::npos) << e;
  EXPECT_NE(e.find("[1, 3, 4]"), std::string::npos) << e;
  EXPECT_THROW(pad(grid().unsqueeze(0), {1, 1, 3, 2}, "reflect"), ValueError);
  EXPECT_THROW(pad(zeros({1, 3, 0}), {1, 1}, "reflect"), ValueError);
  EXPECT_THROW(pad(grid(), {1, 1}, "reflect", 2.f), ValueError);
  e = error_of([] { pad(grid(), {1, 1}, "replicate"); });
  EXPECT_NE(e.find("replicate"), std::string::npos) << e;
}

TEST_F(Join, Gradients) {
  expect_gradients_match([](const V& v) { return cat({v[0], v[1].t(), v[2]}, 1); },
                         {randn({3, 2}), randn({1, 3}), randn({3, 4})});
  expect_gradients_match([](const V& v) { return cat({v[0], zeros({0}), v[1]}, 0); }, {randn({2, 3}), randn({1, 3})});
  expect_gradients_match([](const V& v) { return stack({v[0], v[1]}, 1); }, {randn({2, 3}), randn({2, 3})});
  expect_gradients_match([](const V& v) { return pad(v[0], {1, 2, 0, 1}, "constant", 0.5f); }, {randn({2, 3, 4})});
  expect_gradients_match([](const V& v) { return pad(v[0], {-1, 2, 1, -1}); }, {randn({3, 4})});
  expect_gradients_match([](const V& v) { return pad(v[0], {2, 1, 1, 2}, "reflect"); }, {randn({2, 3, 4})});
  expect_gradients_match([](const V& v) { return pad(v[0], {-1, 3}, "reflect"); }, {randn({2, 4})});
}
