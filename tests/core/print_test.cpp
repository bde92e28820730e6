// Printing: every expected string is what PyTorch 1.13 prints for the same tensor (made with
// /usr/bin/python3; the torch expression is in each test's name or comment).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <vector>

#include "fovea/ops.hpp"
#include "fovea/tensor.hpp"

namespace fovea {
namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

Tensor thousands(int64_t n) {  // torch.arange(n) * 1000
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(i * 1000);
  return from_vector(v, {n});
}
Tensor thirds(int64_t n) {  // torch.arange(n * 1.) / 3
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(i) / 3.0f);
  return from_vector(v, {n});
}
Tensor quarters(int64_t n) {  // torch.arange(n * 1.) * 1.25
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(i) * 1.25f);
  return from_vector(v, {n});
}
Tensor every_third(int64_t n) {  // torch.arange(n) % 3 == 0
  std::vector<bool> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(i % 3 == 0);
  return from_vector(v, {n});
}

TEST(Print, FixedFourDecimals) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0x1.99999a0000000p-4f, -2.0f, 0x1.a000000000000p+1f, 0x1.2000000000000p+2f}, {2, 2})),
            R"(tensor([[ 0.1000, -2.0000],
        [ 3.2500,  4.5000]]))");
}

TEST(Print, IntegerValuedFloats) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{1.0f, 2.0f, -3.0f}, {3})),
            R"(tensor([ 1.,  2., -3.]))");
}

TEST(Print, Zeros) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, {2, 3})),
            R"(tensor([[0., 0., 0.],
        [0., 0., 0.]]))");
}

TEST(Print, ScientificByRatio) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0x1.0624de0000000p-10f, 10.0f, 2.0f}, {3})),
            R"(tensor([1.0000e-03, 1.0000e+01, 2.0000e+00]))");
}

TEST(Print, ScientificLarge) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0x1.65a0bc0000000p+30f, 2.0f}, {2})),
            R"(tensor([1.5000e+09, 2.0000e+00]))");
}

TEST(Print, ScientificSmall) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0x1.4f8b580000000p-17f, 0x1.4f8b580000000p-16f}, {2})),
            R"(tensor([1.0000e-05, 2.0000e-05]))");
}

TEST(Print, IntModeScientific) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{1.0f, 100000.0f}, {2})),
            R"(tensor([1.0000e+00, 1.0000e+05]))");
}

TEST(Print, IntModeAbove1e8) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0x1.2a05f20000000p+33f, 3.0f}, {2})),
            R"(tensor([1.0000e+10, 3.0000e+00]))");
}

TEST(Print, NanInf) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{kNan, kInf, -kInf, 0x1.8000000000000p+0f}, {4})),
            R"(tensor([   nan,    inf,   -inf, 1.5000]))");
}

TEST(Print, NanInfIntMode) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{kNan, -kInf, 2.0f}, {3})),
            R"(tensor([nan, -inf, 2.]))");
}

TEST(Print, NegativeZero) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{-0.0f, 1.0f}, {2})),
            R"(tensor([-0., 1.]))");
}

TEST(Print, OneColumn) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0x1.e240800000000p+16f, 0x1.0000000000000p-2f}, {2, 1})),
            R"(tensor([[1.2346e+05],
        [2.5000e-01]]))");
}

TEST(Print, Int64) {
  EXPECT_EQ(to_string(from_vector(std::vector<int64_t>{1, 2, -300}, {3})),
            R"(tensor([   1,    2, -300]))");
}

TEST(Print, Bool) {
  EXPECT_EQ(to_string(from_vector(std::vector<bool>{true, false, true}, {3})),
            R"(tensor([ True, False,  True]))");
}

TEST(Print, ZeroDim) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{3.0f}, {})),
            R"(tensor(3.))");
}

TEST(Print, ZeroDimFraction) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{-0x1.0000000000000p-1f}, {})),
            R"(tensor(-0.5000))");
}

TEST(Print, ZeroDimInt) {
  EXPECT_EQ(to_string(from_vector(std::vector<int64_t>{7}, {})),
            R"(tensor(7))");
}

TEST(Print, ZeroDimBool) {
  EXPECT_EQ(to_string(from_vector(std::vector<bool>{false}, {})),
            R"(tensor(False))");
}

TEST(Print, Empty) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{}, {0})),
            R"(tensor([]))");
}

TEST(Print, EmptyTwoDims) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{}, {0, 3})),
            R"(tensor([], size=(0, 3)))");
}

TEST(Print, EmptyInt64) {
  EXPECT_EQ(to_string(from_vector(std::vector<int64_t>{}, {0})),
            R"(tensor([], dtype=torch.int64))");
}

TEST(Print, EmptyBool) {
  EXPECT_EQ(to_string(from_vector(std::vector<bool>{}, {2, 0})),
            R"(tensor([], size=(2, 0), dtype=torch.bool))");
}

TEST(Print, ThreeDims) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0.0f, 0x1.24924a0000000p-3f, 0x1.24924a0000000p-2f, 0x1.b6db6e0000000p-2f, 0x1.24924a0000000p-1f, 0x1.6db6dc0000000p-1f, 0x1.b6db6e0000000p-1f, 1.0f, 0x1.24924a0000000p+0f, 0x1.4924920000000p+0f, 0x1.6db6dc0000000p+0f, 0x1.9249240000000p+0f, 0x1.b6db6e0000000p+0f, 0x1.db6db60000000p+0f, 2.0f, 0x1.1249240000000p+1f, 0x1.24924a0000000p+1f, 0x1.36db6e0000000p+1f, 0x1.4924920000000p+1f, 0x1.5b6db60000000p+1f, 0x1.6db6dc0000000p+1f, 3.0f, 0x1.9249240000000p+1f, 0x1.a4924a0000000p+1f}, {2, 3, 4})),
            R"(tensor([[[0.0000, 0.1429, 0.2857, 0.4286],
         [0.5714, 0.7143, 0.8571, 1.0000],
         [1.1429, 1.2857, 1.4286, 1.5714]],

        [[1.7143, 1.8571, 2.0000, 2.1429],
         [2.2857, 2.4286, 2.5714, 2.7143],
         [2.8571, 3.0000, 3.1429, 3.2857]]]))");
}

TEST(Print, WrapsAt80Columns) {
  EXPECT_EQ(to_string(from_vector(std::vector<float>{0.0f, 0x1.8000000000000p+0f, 3.0f, 0x1.2000000000000p+2f, 6.0f, 0x1.e000000000000p+2f, 9.0f, 0x1.5000000000000p+3f, 12.0f, 0x1.b000000000000p+3f, 15.0f, 0x1.0800000000000p+4f, 18.0f, 0x1.3800000000000p+4f, 21.0f, 0x1.6800000000000p+4f, 24.0f, 0x1.9800000000000p+4f, 27.0f, 0x1.c800000000000p+4f, 30.0f, 0x1.f800000000000p+4f, 33.0f, 0x1.1400000000000p+5f, 36.0f, 0x1.2c00000000000p+5f, 39.0f, 0x1.4400000000000p+5f, 42.0f, 0x1.5c00000000000p+5f}, {30})),
            R"(tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,
        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,
        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,
        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000]))");
}

TEST(Print, WrapsInt64) {
  EXPECT_EQ(to_string(thousands(40)),
            R"(tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,
        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000,
        20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000,
        30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000, 38000, 39000]))");
}

TEST(Print, Summarised1d) {
  EXPECT_EQ(to_string(arange(0.0, 2000.0)),
            R"(tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
        1.9990e+03]))");
}

TEST(Print, Summarised2d) {
  EXPECT_EQ(to_string(thirds(1200).reshape({40, 30})),
            R"(tensor([[0.0000e+00, 3.3333e-01, 6.6667e-01,  ..., 9.0000e+00, 9.3333e+00,
         9.6667e+00],
        [1.0000e+01, 1.0333e+01, 1.0667e+01,  ..., 1.9000e+01, 1.9333e+01,
         1.9667e+01],
        [2.0000e+01, 2.0333e+01, 2.0667e+01,  ..., 2.9000e+01, 2.9333e+01,
         2.9667e+01],
        ...,
        [3.7000e+02, 3.7033e+02, 3.7067e+02,  ..., 3.7900e+02, 3.7933e+02,
         3.7967e+02],
        [3.8000e+02, 3.8033e+02, 3.8067e+02,  ..., 3.8900e+02, 3.8933e+02,
         3.8967e+02],
        [3.9000e+02, 3.9033e+02, 3.9067e+02,  ..., 3.9900e+02, 3.9933e+02,
         3.9967e+02]]))");
}

TEST(Print, Summarised3dInt64) {
  EXPECT_EQ(to_string(arange(1100).reshape({11, 10, 10})),
            R"(tensor([[[   0,    1,    2,  ...,    7,    8,    9],
         [  10,   11,   12,  ...,   17,   18,   19],
         [  20,   21,   22,  ...,   27,   28,   29],
         ...,
         [  70,   71,   72,  ...,   77,   78,   79],
         [  80,   81,   82,  ...,   87,   88,   89],
         [  90,   91,   92,  ...,   97,   98,   99]],

        [[ 100,  101,  102,  ...,  107,  108,  109],
         [ 110,  111,  112,  ...,  117,  118,  119],
         [ 120,  121,  122,  ...,  127,  128,  129],
         ...,
         [ 170,  171,  172,  ...,  177,  178,  179],
         [ 180,  181,  182,  ...,  187,  188,  189],
         [ 190,  191,  192,  ...,  197,  198,  199]],

        [[ 200,  201,  202,  ...,  207,  208,  209],
         [ 210,  211,  212,  ...,  217,  218,  219],
         [ 220,  221,  222,  ...,  227,  228,  229],
         ...,
         [ 270,  271,  272,  ...,  277,  278,  279],
         [ 280,  281,  282,  ...,  287,  288,  289],
         [ 290,  291,  292,  ...,  297,  298,  299]],

        ...,

        [[ 800,  801,  802,  ...,  807,  808,  809],
         [ 810,  811,  812,  ...,  817,  818,  819],
         [ 820,  821,  822,  ...,  827,  828,  829],
         ...,
         [ 870,  871,  872,  ...,  877,  878,  879],
         [ 880,  881,  882,  ...,  887,  888,  889],
         [ 890,  891,  892,  ...,  897,  898,  899]],

        [[ 900,  901,  902,  ...,  907,  908,  909],
         [ 910,  911,  912,  ...,  917,  918,  919],
         [ 920,  921,  922,  ...,  927,  928,  929],
         ...,
         [ 970,  971,  972,  ...,  977,  978,  979],
         [ 980,  981,  982,  ...,  987,  988,  989],
         [ 990,  991,  992,  ...,  997,  998,  999]],

        [[1000, 1001, 1002,  ..., 1007, 1008, 1009],
         [1010, 1011, 1012,  ..., 1017, 1018, 1019],
         [1020, 1021, 1022,  ..., 1027, 1028, 1029],
         ...,
         [1070, 1071, 1072,  ..., 1077, 1078, 1079],
         [1080, 1081, 1082,  ..., 1087, 1088, 1089],
         [1090, 1091, 1092,  ..., 1097, 1098, 1099]]]))");
}

TEST(Print, SummarisedBool) {
  EXPECT_EQ(to_string(every_third(1001)),
            R"(tensor([ True, False, False,  ..., False,  True, False]))");
}

TEST(Print, Transposed) {
  EXPECT_EQ(to_string(arange(0.0, 6.0).reshape({2, 3}).t()),
            R"(tensor([[0., 3.],
        [1., 4.],
        [2., 5.]]))");
}

TEST(Print, RequiresGrad) {
  EXPECT_EQ(to_string(from_vector({1.5f, 2.0f}, {2}).requires_grad_(true)),
            R"(tensor([1.5000, 2.0000], requires_grad=True))");
}

TEST(Print, SuffixWraps) {
  EXPECT_EQ(to_string(quarters(16).requires_grad_(true)),
            R"(tensor([ 0.0000,  1.2500,  2.5000,  3.7500,  5.0000,  6.2500,  7.5000,  8.7500,
        10.0000, 11.2500, 12.5000, 13.7500, 15.0000, 16.2500, 17.5000, 18.7500],
       requires_grad=True))");
}

// torch.arange(40.).reshape(2, 20) * 1.5: rows wrap with the indent of their nesting.
TEST(Print, NestedRowsWrap) {
  EXPECT_EQ(to_string(arange(0.0, 40.0).reshape({2, 20}) * 1.5f),
            R"(tensor([[ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,
         12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,
         24.0000, 25.5000, 27.0000, 28.5000],
        [30.0000, 31.5000, 33.0000, 34.5000, 36.0000, 37.5000, 39.0000, 40.5000,
         42.0000, 43.5000, 45.0000, 46.5000, 48.0000, 49.5000, 51.0000, 52.5000,
         54.0000, 55.5000, 57.0000, 58.5000]]))");
}

// (torch.arange(1001.) / 4).requires_grad_(): summarised, and the suffix wraps.
TEST(Print, SummarisedWithSuffix) {
  EXPECT_EQ(to_string((arange(0.0, 1001.0) * 0.25f).requires_grad_(true)),
            R"(tensor([  0.0000,   0.2500,   0.5000,  ..., 249.5000, 249.7500, 250.0000],
       requires_grad=True))");
}

// torch.tensor([[1e-8, -1.0], [nan, 3.0]]): NaN padded to the scientific width.
TEST(Print, ScientificWithNan) {
  EXPECT_EQ(to_string(from_vector({1e-8f, -1.0f, kNan, 3.0f}, {2, 2})), R"(tensor([[ 1.0000e-08, -1.0000e+00],
        [        nan,  3.0000e+00]]))");
}

// PyTorch prints grad_fn=<MulBackward0>; fovea's node names carry no overload number.
TEST(Print, GradFn) {
  Tensor x = from_vector({0.25f, -1.0f}, {2}).requires_grad_(true);
  EXPECT_EQ(to_string(mul(x, x)), "tensor([0.0625, 1.0000], grad_fn=<MulBackward>)");
}

TEST(Print, StreamAndUndefined) {
  std::ostringstream os;
  os << from_vector(std::vector<int64_t>{3, 4}, {2});
  EXPECT_EQ(os.str(), "tensor([3, 4])");
  EXPECT_EQ(to_string(Tensor()), "tensor(undefined)");
}

// A slice of a larger tensor prints its own elements only.
TEST(Print, ViewWithOffset) {
  EXPECT_EQ(to_string(arange(0.0, 12.0).reshape({3, 4}).slice(1, 1, 4, 2)), R"(tensor([[ 1.,  3.],
        [ 5.,  7.],
        [ 9., 11.]]))");
}

}  // namespace
}  // namespace fovea
