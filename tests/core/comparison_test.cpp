// Comparisons and logical ops: bool results, broadcasting, float/int64/bool operands compared as
// PyTorch promotes them, int64 compared exactly, NaN unequal to everything.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"

using namespace fovea;

namespace {

std::vector<bool> bools(const Tensor& t) {
  EXPECT_EQ(t.dtype(), kBool);
  return t.to_vector<bool>();
}

using B = std::vector<bool>;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace

TEST(Comparison, FloatTensors) {
  const Tensor a = from_vector({1, 2, 3, kNaN}, {4}), b = from_vector({1, 3, 2, kNaN}, {4});
  EXPECT_EQ(bools(a == b), (B{true, false, false, false}));
  EXPECT_EQ(bools(a != b), (B{false, true, true, true}));  // NaN != NaN
  EXPECT_EQ(bools(a < b), (B{false, true, false, false}));
  EXPECT_EQ(bools(a <= b), (B{true, true, false, false}));
  EXPECT_EQ(bools(a > b), (B{false, false, true, false}));
  EXPECT_EQ(bools(a >= b), (B{true, false, true, false}));
  EXPECT_EQ(bools(eq(a, b)), bools(a == b));
  EXPECT_EQ(bools(ge(a, 2.0f)), (B{false, true, true, false}));
  EXPECT_EQ(bools(a < 2.5f), (B{true, true, false, false}));
  EXPECT_EQ(bools(ne(a, 3.0f)), (B{true, true, false, true}));
}

TEST(Comparison, BroadcastsAndKeepsEmptyShapes) {
  const Tensor col = from_vector({1, 2, 3}, {3, 1}), row = from_vector({2, 2}, {2});
  const Tensor c = col < row;
  EXPECT_EQ(c.shape(), (Shape{3, 2}));
  EXPECT_EQ(bools(c), (B{true, true, false, false, false, false}));
  EXPECT_EQ(gt(zeros({0, 4}), zeros({4})).shape(), (Shape{0, 4}));
  EXPECT_EQ((full({}, 1.0f) == full({}, 1.0f)).shape(), Shape{});
  EXPECT_THROW(lt(zeros({2}), zeros({3})), ShapeError);
  // Strided operands.
  const Tensor m = arange(0.0, 6.0).view({2, 3});
  EXPECT_EQ(bools(m.t() == m.t().contiguous()), B(6, true));
}

TEST(Comparison, IntegersCompareExactly) {
  // 2^53 + 1 and 2^53 are one float: an int64 comparison must not go through float.
  const int64_t big = int64_t{1} << 53;
  const Tensor a = from_vector(std::vector<int64_t>{big + 1, 5, -7}, {3});
  const Tensor b = from_vector(std::vector<int64_t>{big, 5, -8}, {3});
  EXPECT_EQ(bools(a == b), (B{false, true, false}));
  EXPECT_EQ(bools(a > b), (B{true, false, true}));
  // Against a float scalar: the exact values (3 < 3.5, 3 > 2.5, 3 == 3.0; none equal 2.5).
  const Tensor three = tensor({3});
  EXPECT_EQ(bools(three < 3.5f), B{true});
  EXPECT_EQ(bools(three > 2.5f), B{true});
  EXPECT_EQ(bools(three == 3.0f), B{true});
  EXPECT_EQ(bools(three <= 2.5f), B{false});
  EXPECT_EQ(bools(three >= 3.5f), B{false});
  EXPECT_EQ(bools(three != 2.5f), B{true});
  EXPECT_EQ(bools(three == kNaN), B{false});
  EXPECT_EQ(bools(three != kNaN), B{true});
  EXPECT_EQ(bools(three < 1e30f), B{true});
  EXPECT_EQ(bools(three > -1e30f), B{true});
  EXPECT_EQ(bools(from_vector(std::vector<int64_t>{big + 1}, {1}) > static_cast<float>(big)), B{true});
  // int64 against float32 promotes to float, as torch: [1, 2] == [1.0, 2.5].
  EXPECT_EQ(bools(tensor({1, 2}) == from_vector({1.0f, 2.5f}, {2})), (B{true, false}));
  // bool against int64 compares as integers.
  EXPECT_EQ(bools(from_vector(std::vector<bool>{true, false}, {2}) == tensor({1, 0})), (B{true, true}));
  EXPECT_EQ(bools(from_vector(std::vector<bool>{true, false}, {2}) < tensor({1, 1})), (B{false, true}));
  EXPECT_EQ(bools(from_vector(std::vector<bool>{true, false}, {2}) == 1.0f), (B{true, false}));
}

TEST(Comparison, LogicalOps) {
  // Anything nonzero is true, NaN included.
  EXPECT_EQ(bools(logical_not(from_vector({0.0f, kNaN, 2.0f}, {3}))), (B{true, false, false}));
  EXPECT_EQ(bools(logical_not(tensor({0, 5}))), (B{true, false}));
  const Tensor ors = logical_or(tensor({0, 0, 3}), from_vector(std::vector<bool>{false, true}, {2, 1}));
  EXPECT_EQ(ors.shape(), (Shape{2, 3}));
  EXPECT_EQ(bools(ors), (B{false, false, true, true, true, true}));
  EXPECT_EQ(bools(logical_and(from_vector({1.0f, 0.0f}, {2}), tensor({2, 2}))), (B{true, false}));
  EXPECT_THROW(logical_and(zeros({2}), zeros({3})), ShapeError);
  EXPECT_THROW(logical_not(Tensor()), Error);
}

TEST(Comparison, MasksFeedWhere) {
  const Tensor x = from_vector({-2, 1, -0.5f, 3}, {4});
  EXPECT_EQ(where(x > 0.0f, x, 0.0f).to_vector(), relu(x).to_vector());
}
