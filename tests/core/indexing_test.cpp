// index_select, gather, masked_fill(_), flip: values against torch 1.13, other dtypes, non-contiguous
// and empty inputs, every error, and gradients (repeated indices must add up).
#include <gtest/gtest.h>

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
using fovea::testing::expect_close;
using fovea::testing::expect_gradients_match;
using V = std::vector<Tensor>;

namespace {


Tensor idx(std::vector<int64_t> v, const Shape& shape) { return from_vector(v, shape); }

}  // namespace

class Indexing : public ::testing::Test {
 protected:
  void SetUp() override { manual_seed(5); }
};

TEST_F(Indexing, IndexSelectMatchesTorch) {
  expect_values(index_select(grid(), 0, tensor({2, 0, 2})), {3, 4}, {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  expect_values(grid().index_select(-1, tensor({3, 1})), {3, 2}, {3, 1, 7, 5, 11, 9});
  expect_values(grid().t().index_select(0, tensor({3, 1})), {2, 3}, {3, 7, 11, 1, 5, 9});  // non-contiguous
  // A 0-d index keeps the dimension (size 1); an empty one empties it; other dtypes are copied as is.
  expect_values(grid().index_select(0, from_vector(std::vector<int64_t>{1}, {})), {1, 4}, {4, 5, 6, 7});
  EXPECT_EQ(grid().index_select(1, idx({}, {0})).shape(), (Shape{3, 0}));
  Tensor labels = tensor({7, 8, 9});
  Tensor picked = labels.index_select(0, tensor({2, 2, 0}));
  EXPECT_EQ(picked.dtype(), kInt64);
  EXPECT_EQ(picked.to_vector<int64_t>(), (std::vector<int64_t>{9, 9, 7}));
  EXPECT_EQ(index_select(full({}, 5.0f), 0, tensor({0})).dim(), 0);
}

TEST_F(Indexing, IndexSelectErrors) {
  std::string e = error_of([] { grid().index_select(0, tensor({1, 5})); });
  EXPECT_NE(e.find("index 5"), std::string::npos) << e;
  EXPECT_NE(e.find("size 3"), std::string::npos) << e;
  EXPECT_THROW(grid().index_select(0, tensor({5})), IndexError);
  EXPECT_THROW(grid().index_select(0, tensor({-1})), IndexError);  // PyTorch refuses negative indices here
  EXPECT_THROW(grid().index_select(0, tensor({1.0f})), TypeError);
  EXPECT_THROW(grid().index_select(0, idx({1}, {1, 1})), IndexError);
  e = error_of([] { grid().index_select(2, tensor({1})); });
  EXPECT_NE(e.find("[-2, 1]"), std::string::npos) << e;
  EXPECT_THROW(grid().index_select(1, idx({}, {0})).index_select(1, tensor({0})), IndexError);  // size-0 dim
  EXPECT_THROW(index_select(full({}, 1.f), 0, idx({}, {0})), IndexError);
  EXPECT_THROW(index_select(Tensor(), 0, tensor({0})), Error);
  EXPECT_THROW(index_select(grid(), 0, Tensor()), Error);
}

TEST_F(Indexing, GatherMatchesTorch) {
  expect_values(cube().gather(1, idx({2, 0, 1, 1, 0, 0, 2, 1}, {2, 1, 4})), {2, 1, 4}, {8, 1, 6, 7, 12, 13, 22, 19});
  // The index may be smaller than the input along the other dimensions.
  expect_values(gather(grid(), 1, idx({3, 0, 1, 1}, {2, 2})), {2, 2}, {3, 0, 5, 5});
  expect_values(gather(grid(), 0, idx({2, 1, 0, 2}, {1, 4})), {1, 4}, {8, 5, 2, 11});
  expect_values(gather(grid().t(), 1, idx({2, 0, 1, 1}, {2, 2})), {2, 2}, {8, 0, 5, 5});  // non-contiguous
  EXPECT_EQ(gather(grid(), 1, idx({}, {0, 2})).shape(), (Shape{0, 2}));
  Tensor labels = from_vector(std::vector<int64_t>{4, 5, 6, 7}, {2, 2});
  EXPECT_EQ(labels.gather(1, idx({1, 1, 0, 1}, {2, 2})).to_vector<int64_t>(), (std::vector<int64_t>{5, 5, 6, 7}));
  EXPECT_FLOAT_EQ(gather(full({}, 5.0f), 0, from_vector(std::vector<int64_t>{0}, {})).item(), 5.0f);
}

TEST_F(Indexing, GatherErrors) {
  std::string e = error_of([] { gather(grid(), 0, idx({5}, {1, 1})); });
  EXPECT_NE(e.find("index 5"), std::string::npos) << e;
  EXPECT_NE(e.find("dimension 0 with size 3"), std::string::npos) << e;
  EXPECT_THROW(gather(grid(), 0, idx({-1}, {1, 1})), IndexError);
  EXPECT_THROW(gather(grid(), 0, tensor({1})), ShapeError);  // rank differs
  e = error_of([] { gather(grid(), 0, zeros({2, 5}, kInt64)); });
  EXPECT_NE(e.find("[2, 5]"), std::string::npos) << e;
  EXPECT_NE(e.find("[3, 4]"), std::string::npos) << e;
  EXPECT_THROW(gather(grid(), 0, zeros({1, 1})), TypeError);
  EXPECT_THROW(gather(grid(), -3, zeros({1, 1}, kInt64)), IndexError);
  EXPECT_THROW(gather(zeros({3, 0}), 1, zeros({3, 2}, kInt64)), IndexError);
  EXPECT_THROW(gather(Tensor(), 0, zeros({1}, kInt64)), Error);
  EXPECT_THROW(gather(grid(), 0, Tensor()), Error);
}

TEST_F(Indexing, MaskedFillMatchesTorch) {
  const Tensor m = tensor({true, false, true, false});
  expect_values(grid().masked_fill(m, -1.5f), {3, 4}, {-1.5, 1, -1.5, 3, -1.5, 5, -1.5, 7, -1.5, 9, -1.5, 11});
  // Out of place, input and mask broadcast to each other.
  expect_values(masked_fill(tensor({1.f, 2.f, 3.f}), from_vector(std::vector<bool>{1, 0, 0, 0, 0, 1}, {2, 3}), 9.f),
                {2, 3}, {9, 2, 3, 1, 2, 9});
  Tensor ints = tensor({1, 2, 3}).masked_fill(tensor({false, true, false}), 1.7f);
  EXPECT_EQ(ints.dtype(), kInt64);
  EXPECT_EQ(ints.to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 3}));
  expect_values(grid().t().masked_fill(tensor({true, false, false}), 0.f).t(), {3, 4},
                {0, 0, 0, 0, 4, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_THROW(grid().masked_fill(tensor({1, 0, 1, 0}), 0.f), TypeError);
  EXPECT_THROW(grid().masked_fill(tensor({true, false}), 0.f), ShapeError);
  EXPECT_THROW(grid().masked_fill(Tensor(), 0.f), Error);
  EXPECT_THROW(masked_fill(Tensor(), tensor({true}), 0.f), Error);
}

TEST_F(Indexing, MaskedFillInPlace) {
  Tensor x = grid();
  Tensor row = x.select(0, 1);  // a view: the write shows in x
  row.masked_fill_(tensor({true, false, false, true}), 0.f);
  expect_values(x, {3, 4}, {0, 1, 2, 3, 0, 5, 6, 0, 8, 9, 10, 11});
  std::string e = error_of([] { zeros({3}).masked_fill_(ones({2, 3}, kBool), 1.f); });
  EXPECT_NE(e.find("[2, 3]"), std::string::npos) << e;
  EXPECT_THROW(zeros({3}).masked_fill_(ones({3}), 1.f), TypeError);
  Tensor leaf = zeros({3}).requires_grad_();
  EXPECT_THROW(leaf.masked_fill_(ones({3}, kBool), 1.f), Error);
  // Not through a view of a tensor in a graph (its graph would have to be rewritten).
  Tensor graph_view = mul(leaf, 2.0f).slice(0, 0, 2);
  EXPECT_THROW(graph_view.masked_fill_(ones({2}, kBool), 1.f), Error);
  {
    NoGradGuard no_grad;  // outside grad mode the rules do not apply (optimizer-style updates)
    Tensor w = zeros({3}).requires_grad_();
    w.masked_fill_(tensor({false, true, false}), 4.f);
    EXPECT_EQ(w.to_vector(), (std::vector<float>{0, 4, 0}));
  }
  // On a non-leaf the gradient is that of the out-of-place op: zero where filled.
  Tensor y = mul(leaf, 2.0f);
  y.masked_fill_(tensor({true, false, true}), 5.f);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{5, 0, 5}));
  sum(y).backward();
  EXPECT_EQ(leaf.grad().to_vector(), (std::vector<float>{0, 2, 0}));
}

TEST_F(Indexing, FlipMatchesTorch) {
  expect_values(cube().flip({0}), {2, 3, 4}, {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
                                              0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11});
  expect_values(flip(cube(), {0, -1}), {2, 3, 4}, {15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20,
                                                   3,  2,  1,  0,  7,  6,  5,  4,  11, 10, 9,  8});
  expect_values(grid().t().flip({1}), {4, 3}, {8, 4, 0, 9, 5, 1, 10, 6, 2, 11, 7, 3});
  expect_values(grid().flip({}), {3, 4}, grid().to_vector());
  Tensor f = grid().flip({0});
  EXPECT_TRUE(f.is_contiguous());  // a copy, as PyTorch's
  EXPECT_EQ(tensor({true, false, false}).flip({0}).to_vector<bool>(), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(zeros({0, 3}).flip({0, 1}).shape(), (Shape{0, 3}));
  EXPECT_FLOAT_EQ(full({}, 3.f).flip({0}).item(), 3.f);
  std::string e = error_of([] { grid().flip({0, -2}); });
  EXPECT_NE(e.find("more than once"), std::string::npos) << e;
  EXPECT_THROW(grid().flip({2}), IndexError);
}

TEST_F(Indexing, Gradients) {
  // Repeated indices: index_add and scatter_add must sum.
  expect_gradients_match([](const V& v) { return index_select(v[0], 1, tensor({2, 0, 2, 3})); }, {randn({3, 4, 2})});
  expect_gradients_match([](const V& v) { return index_select(v[0].t(), 0, tensor({1, 1})); }, {randn({3, 4})});
  expect_gradients_match([](const V& v) { return gather(v[0], 1, idx({0, 0, 2, 1, 1, 1}, {2, 3})); },
                         {randn({3, 4})});  // smaller than the input along dimension 0
  expect_gradients_match([](const V& v) { return gather(v[0], 0, idx({2, 2, 0, 1, 0, 2, 2, 2}, {2, 4})); },
                         {randn({3, 4})});
  expect_gradients_match([](const V& v) { return masked_fill(v[0], tensor({true, false, false, true}), 3.f); },
                         {randn({3, 4})});
  expect_gradients_match(
      [](const V& v) { return masked_fill(v[0], from_vector(std::vector<bool>{1, 0, 0, 0, 1, 1}, {2, 3}), 0.f); },
      {randn({3})});  // x broadcast: its gradient sums over the mask's extra dimension
  expect_gradients_match([](const V& v) { return flip(v[0], {0, 2}); }, {randn({2, 3, 2})});
}

TEST_F(Indexing, LargeScattersAreExactOnManyThreads) {
  // Big enough to be split across threads: every repeated index must still receive each
  // contribution exactly once.
  const int64_t n = 300, inner = 2000;
  std::vector<int64_t> picks;
  for (int64_t j = 0; j < n; ++j) picks.push_back((j * 7) % 5);
  const Tensor index = from_vector(picks, {n});
  Tensor x = randn({1, 5, inner}).requires_grad_();
  Tensor y = index_select(x, 1, index);
  EXPECT_EQ(y.select(1, 7).to_vector(), x.detach().select(1, (7 * 7) % 5).to_vector());
  sum(y).backward();
  const std::vector<float> g = x.grad().to_vector();
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t b = 0; b < inner; b += 97) ASSERT_EQ(g[r * inner + b], 60.0f) << r << " " << b;  // 300 / 5 picks each
  Tensor z = randn({5, inner}).requires_grad_();
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < n * inner; ++i) rows.push_back((i / inner) % 5);
  Tensor w = gather(z, 0, from_vector(rows, {n, inner}));
  EXPECT_EQ(w.select(0, 299).to_vector(), z.detach().select(0, 299 % 5).to_vector());
  sum(w).backward();
  for (float v : z.grad().to_vector()) ASSERT_EQ(v, 60.0f);
}
