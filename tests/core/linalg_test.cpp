// mm, bmm, addmm and matmul: values against torch 1.13, the no-copy transposed operands, torch.matmul's
// shape rules, errors, and gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/gradcheck.hpp"
#include "support/expect_tensor.hpp"

using namespace fovea;
using fovea::testing::error_of;
using fovea::testing::expect_close;
using fovea::testing::expect_gradients_match;
using V = std::vector<Tensor>;

namespace {

// value(i) for i = 0 .. numel(shape) - 1, row-major: the tests' inputs, also built in torch as
// torch.arange(n).reshape(shape) transformed the same way.
template <typename F>
Tensor seq(const Shape& shape, F value) {
  std::vector<float> v(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = value(static_cast<float>(i));
  return from_vector(v, shape);
}

const Tensor kA = from_vector({0.5f, -1.f, 2.f, 1.5f, 0.25f, -2.f}, {2, 3});
const Tensor kB = from_vector({1.f, 2.f, -1.f, 0.5f, 0.f, -1.5f, 2.f, 1.f, 3.f, 0.5f, 1.f, -2.f}, {3, 4});
const std::vector<float> kAB = {6.5f, 3.5f, -0.5f, -4.75f, -4.5f, 1.625f, -3.f, 5.f};  // torch: A @ B

}  // namespace

class Linalg : public ::testing::Test {
 protected:
  void SetUp() override { manual_seed(11); }
};

TEST_F(Linalg, MmMatchesTorch) {
  Tensor c = mm(kA, kB);
  EXPECT_EQ(c.shape(), (Shape{2, 4}));
  expect_close(c, from_vector(kAB, {2, 4}));
}

TEST_F(Linalg, TransposedAndStridedOperandsGiveTheSameProduct) {
  // A transposed row-major operand goes to sgemm as is; a sliced one is copied first.
  const Tensor at = kA.t().contiguous().t(), bt = kB.t().contiguous().t();
  ASSERT_FALSE(at.is_contiguous());
  expect_close(mm(at, bt), from_vector(kAB, {2, 4}));
  const Tensor wide = cat({kB, kB}, 1).slice(1, 0, 8, 2);  // columns 0, 2, 4, 6 of [B B]
  expect_close(mm(kA, wide), mm(kA, from_vector({1.f, -1.f, 1.f, -1.f, 0.f, 2.f, 0.f, 2.f, 3.f, 1.f, 3.f, 1.f}, {3, 4})));
  // An expanded (stride 0) operand.
  expect_close(mm(kA, from_vector({1.f, 2.f, 3.f}, {3, 1}).expand({3, 4})),
               from_vector({4.5f, 4.5f, 4.5f, 4.5f, -4.f, -4.f, -4.f, -4.f}, {2, 4}));
}

TEST_F(Linalg, MatmulShapesFollowTorch) {
  const Tensor x = tensor({1.f, -2.f, 3.f});
  Tensor dot = matmul(x, tensor({0.5f, 1.f, 2.f}));
  EXPECT_EQ(dot.dim(), 0);
  EXPECT_FLOAT_EQ(dot.item(), 4.5f);
  expect_close(matmul(kA, x), tensor({8.5f, -5.f}));
  expect_close(matmul(tensor({2.f, -1.f}), kA), tensor({-0.5f, -2.25f, 6.f}));
  expect_close(matmul(kA, kB), from_vector(kAB, {2, 4}));
  // Batched against one matrix (folded into one product), and against one vector.
  Tensor a3 = cat({kA.unsqueeze(0), kA.unsqueeze(0)}, 0);
  Tensor r = matmul(a3, kB);
  EXPECT_EQ(r.shape(), (Shape{2, 2, 4}));
  expect_close(r.select(0, 1).contiguous(), from_vector(kAB, {2, 4}));
  EXPECT_EQ(matmul(a3, x).shape(), (Shape{2, 2}));
  EXPECT_EQ(matmul(x, randn({4, 3, 5})).shape(), (Shape{4, 5}));
  EXPECT_EQ(matmul(kA, randn({7, 3, 5})).shape(), (Shape{7, 2, 5}));
  // Broadcast batch dimensions: torch (a4 @ b3) with a4 = (arange(12).reshape(2,1,2,3) - 5) * 0.25,
  // b3 = arange(36).reshape(3,3,4) % 7 - 3.
  const Tensor a4 = seq({2, 1, 2, 3}, [](float i) { return (i - 5) * 0.25f; });
  const Tensor b3 = seq({3, 3, 4}, [](float i) { return std::fmod(i, 7.f) - 3; });
  Tensor r4 = matmul(a4, b3);
  EXPECT_EQ(r4.shape(), (Shape{2, 3, 2, 4}));
  expect_close(r4, from_vector({4.25f,  1.25f,  -1.75f, 2.25f,  1.25f,  0.5f,   -0.25f, 0.75f,  -3.75f, -1.5f,
                                4.25f,  1.25f,  -0.75f, -1.5f,  1.25f,  0.5f,   2.25f,  -0.75f, -3.75f, -1.5f,
                                0.75f,  0.f,    -0.75f, -1.5f,  -1.75f, -0.25f, 1.25f,  -0.75f, -4.75f, -1.f,
                                2.75f,  -2.25f, 2.25f,  -1.5f,  -1.75f, -0.25f, 5.25f,  -1.5f,  -4.75f, -1.f,
                                -0.75f, 0.75f,  2.25f,  -1.5f,  -2.25f, 1.5f,   5.25f,  -1.5f},
                               {2, 3, 2, 4}));
}

TEST_F(Linalg, BmmMatchesTorch) {
  const Tensor a = seq({2, 3, 4}, [](float i) { return i * 0.1f - 1; });
  const Tensor b = seq({2, 4, 5}, [](float i) { return i * 0.05f; });
  expect_close(bmm(a, b), from_vector({-1.15f, -1.32f, -1.49f, -1.66f, -1.83f, -0.55f, -0.64f, -0.73f, -0.82f, -0.91f,
                                       0.05f,  0.04f,  0.03f,  0.02f,  0.01f,  2.05f,  2.12f,  2.19f,  2.26f,  2.33f,
                                       4.25f,  4.4f,   4.55f,  4.7f,   4.85f,  6.45f,  6.68f,  6.91f,  7.14f,  7.37f},
                                      {2, 3, 5}),
               1e-5);
  // Transposed batches (no copy) give the same.
  expect_close(bmm(a.transpose(1, 2).contiguous().transpose(1, 2), b.transpose(1, 2).contiguous().transpose(1, 2)),
               bmm(a, b));
}

TEST_F(Linalg, AddmmScalesAndBroadcastsItsInput) {
  expect_close(addmm(tensor({1.f, -1.f, 0.5f, 2.f}), kA, kB, 0.5f, 2.f),
               from_vector({13.5f, 6.5f, -0.75f, -8.5f, -8.5f, 2.75f, -5.75f, 11.f}, {2, 4}));
  // beta = 0: the input is not read, NaN included.
  expect_close(addmm(full({2, 4}, std::numeric_limits<float>::quiet_NaN()), kA, kB, 0.0f, 1.0f),
               from_vector(kAB, {2, 4}));
}

TEST_F(Linalg, EmptyOperands) {
  Tensor z = mm(zeros({2, 0}), zeros({0, 5}));
  EXPECT_EQ(z.shape(), (Shape{2, 5}));
  for (float v : z.to_vector()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(mm(zeros({0, 3}), kB).shape(), (Shape{0, 4}));
  EXPECT_EQ(matmul(zeros({0}), zeros({0})).item(), 0.0f);
  expect_close(addmm(ones({2, 3}), zeros({2, 0}), zeros({0, 3}), 2.0f), full({2, 3}, 2.0f));
  EXPECT_EQ(bmm(zeros({0, 2, 3}), zeros({0, 3, 4})).shape(), (Shape{0, 2, 4}));
  EXPECT_EQ(matmul(zeros({2, 3, 0}), zeros({0, 4})).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(matmul(zeros({1, 0, 3}), zeros({5, 3, 4})).shape(), (Shape{5, 0, 4}));
}

TEST_F(Linalg, ErrorsNameTheOpAndTheShapes) {
  std::string e = error_of([] { mm(zeros({2, 3}), zeros({4, 5})); });
  EXPECT_NE(e.find("mm"), std::string::npos) << e;
  EXPECT_NE(e.find("[2, 3]"), std::string::npos) << e;
  EXPECT_NE(e.find("[4, 5]"), std::string::npos) << e;
  EXPECT_THROW(mm(zeros({3}), zeros({3, 5})), ShapeError);
  EXPECT_THROW(mm(zeros({2, 3}, kInt64), zeros({3, 5})), TypeError);
  EXPECT_THROW(bmm(zeros({2, 3}), zeros({3, 5})), ShapeError);
  e = error_of([] { bmm(zeros({2, 2, 3}), zeros({3, 3, 5})); });
  EXPECT_NE(e.find("[3, 3, 5]"), std::string::npos) << e;
  EXPECT_THROW(bmm(zeros({2, 2, 3}), zeros({2, 4, 5})), ShapeError);
  e = error_of([] { addmm(zeros({3}), zeros({2, 3}), zeros({3, 5})); });
  EXPECT_NE(e.find("addmm"), std::string::npos) << e;
  EXPECT_THROW(addmm(zeros({2, 3}), zeros({2, 3}), zeros({4, 5})), ShapeError);
  e = error_of([] { matmul(zeros({3}), zeros({4})); });
  EXPECT_NE(e.find("matmul"), std::string::npos) << e;
  EXPECT_THROW(matmul(zeros({7, 2, 3}), zeros({4, 5})), ShapeError);
  e = error_of([] { matmul(zeros({7, 2, 3}), zeros({2, 3, 5})); });
  EXPECT_NE(e.find("[7]"), std::string::npos) << e;  // the batch shapes that do not broadcast
  EXPECT_THROW(matmul(zeros({}), zeros({2, 3})), ShapeError);
  EXPECT_THROW(matmul(zeros({3}), zeros({3}, kBool)), TypeError);
  EXPECT_THROW(addmm(zeros({2, 5}, kInt64), zeros({2, 3}), zeros({3, 5})), TypeError);
  EXPECT_THROW(bmm(Tensor(), zeros({2, 3, 5})), Error);
}

TEST_F(Linalg, Gradients) {
  expect_gradients_match([](const V& v) { return mm(v[0], v[1]); }, {randn({3, 4}), randn({4, 2})});
  expect_gradients_match([](const V& v) { return mm(v[0].t(), v[1].t()); }, {randn({4, 3}), randn({2, 4})});
  expect_gradients_match([](const V& v) { return bmm(v[0], v[1]); }, {randn({2, 3, 4}), randn({2, 4, 2})});
  expect_gradients_match([](const V& v) { return addmm(v[0], v[1], v[2], 0.5f, 2.0f); },
                         {randn({3}), randn({2, 4}), randn({4, 3})});
  expect_gradients_match([](const V& v) { return addmm(v[0], v[1], v[2]); },
                         {randn({2, 1}), randn({2, 4}), randn({4, 3})});
}

TEST_F(Linalg, MatmulGradientsForEveryShapeRule) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3}, {3}}, {{2, 3}, {3}}, {{3}, {3, 2}}, {{2, 3}, {3, 4}}, {{2, 2, 3}, {3, 2}}, {{2, 2, 3}, {3}},
      {{3}, {2, 3, 2}}, {{2, 3}, {2, 3, 2}}, {{2, 1, 2, 3}, {3, 3, 2}}, {{1, 2, 3}, {2, 3, 2}}};
  for (const auto& [sa, sb] : cases) {
    SCOPED_TRACE(to_string(sa) + " @ " + to_string(sb));
    expect_gradients_match([](const V& v) { return matmul(v[0], v[1]).contiguous(); }, {randn(sa), randn(sb)});
  }
}

TEST_F(Linalg, ManySmallBatchesMatchOneByOne) {
  // Small products run one per thread (sgemm single-threaded inside): each must equal its own mm.
  const Tensor a = randn({512, 6, 5}), b = randn({512, 5, 7});
  const Tensor c = bmm(a, b.transpose(1, 2).contiguous().transpose(1, 2));
  for (int64_t i : {0, 1, 255, 511}) expect_close(c.select(0, i).contiguous(), mm(a.select(0, i), b.select(0, i)));
  // A batch broadcast by expand (stride 0) is read, not copied.
  const Tensor shared = randn({5, 7});
  const Tensor d = matmul(a, shared.unsqueeze(0).expand({512, 5, 7}));
  for (int64_t i : {3, 400}) expect_close(d.select(0, i).contiguous(), mm(a.select(0, i), shared));
}
