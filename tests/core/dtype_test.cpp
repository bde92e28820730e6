// int64 and bool tensors beside float32: factories, conversions, element access, strides, and the
// errors for a dtype an accessor does not take.
#include <gtest/gtest.h>

#include <cmath>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"

using namespace fovea;

TEST(Dtype, FactoriesAndNames) {
  EXPECT_EQ(zeros({2, 3}).dtype(), kFloat32);
  EXPECT_EQ(zeros({2, 3}, kInt64).dtype(), kInt64);
  EXPECT_EQ(ones({4}, kBool).to_vector<bool>(), std::vector<bool>(4, true));
  EXPECT_EQ(full({2}, 7.9f, kInt64).to_vector<int64_t>(), (std::vector<int64_t>{7, 7}));  // truncates, as torch
  EXPECT_STREQ(to_string(kInt64), "int64");
  EXPECT_EQ(element_size(kBool), 1);
  EXPECT_EQ(element_size(kInt64), 8);
  EXPECT_EQ(tensor({3, 0, 1}).dtype(), kInt64);
  EXPECT_EQ(tensor({0.5, 1.5}).dtype(), kFloat32);
  EXPECT_EQ(tensor({true, false}).dtype(), kBool);
  EXPECT_EQ(from_vector({1, 2}, {2}).dtype(), kFloat32);  // a braced list of numbers is float32
  EXPECT_EQ(from_vector(std::vector<int64_t>{1, 2}, {2}).dtype(), kInt64);
}

TEST(Dtype, ArangeAsTorch) {
  EXPECT_EQ(arange(4).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(arange(0.0, 1.0, 0.25).to_vector(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  EXPECT_EQ(arange(5.0, 1.0, -2.0).to_vector(), (std::vector<float>{5, 3}));
  EXPECT_EQ(arange(0).numel(), 0);
  EXPECT_THROW(arange(0.0, 1.0, 0.0), ValueError);
  EXPECT_THROW(arange(0.0, 1.0, -1.0), ValueError);
}

TEST(Dtype, ConversionsFollowTorch) {
  Tensor f = from_vector({-1.7f, 0.0f, 2.9f, 0.2f}, {4});
  EXPECT_EQ(f.to(kInt64).to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 2, 0}));  // toward zero
  EXPECT_EQ(f.to(kBool).to_vector<bool>(), (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(tensor({true, false}).to(kFloat32).to_vector(), (std::vector<float>{1, 0}));
  EXPECT_EQ(tensor({5, -3}).to(kFloat32).to_vector(), (std::vector<float>{5, -3}));
  // The same dtype is the same tensor, as torch's .to().
  EXPECT_EQ(f.to(kFloat32).impl(), f.impl());
  // int64 survives exactly beyond float32's 24 bits.
  const int64_t big = (int64_t{1} << 40) + 1;
  EXPECT_EQ(from_vector(std::vector<int64_t>{big}, {1}).item<int64_t>(), big);
}

TEST(Dtype, AccessorsCheckTheDtype) {
  Tensor labels = tensor({1, 2, 3});
  EXPECT_THROW(labels.data(), TypeError);
  EXPECT_THROW(labels.data_ptr<float>(), TypeError);
  EXPECT_EQ(labels.data_ptr<int64_t>()[2], 3);
  EXPECT_EQ(labels.select(0, 0).item<int64_t>(), 1);
  EXPECT_THROW(labels.item<int64_t>(), ShapeError);
  EXPECT_THROW(labels.requires_grad_(), TypeError);  // only floating point tensors take gradients
  try {
    labels.data();
    FAIL();
  } catch (const TypeError& e) {
    EXPECT_NE(std::string(e.what()).find("int64"), std::string::npos) << e.what();
  }
}

TEST(Dtype, StridesAndContiguity) {
  Tensor t = arange(0.0, 6.0).reshape({2, 3});
  EXPECT_EQ(t.strides(), (Shape{3, 1}));
  EXPECT_TRUE(t.is_contiguous());
  Tensor tt = t.t();
  EXPECT_EQ(tt.strides(), (Shape{1, 3}));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_THROW(tt.data(), Error);  // data() promises row-major: contiguous() first
  EXPECT_EQ(tt.contiguous().to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(tt.to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));  // logical order
  EXPECT_EQ(tt.at(1), 3.0f);
  EXPECT_EQ(t.contiguous().impl(), t.impl());  // already contiguous: the tensor itself
  // Dimensions of size one do not break contiguity, whatever their stride.
  EXPECT_TRUE(t.slice(0, 1, 2).is_contiguous());
  EXPECT_TRUE(zeros({0, 3}).t().is_contiguous());
}

TEST(Dtype, CopyBroadcastsAndConverts) {
  Tensor t = zeros({2, 3});
  t.copy_(tensor({1, 2, 3}));  // int64 row, broadcast over two rows, converted
  EXPECT_EQ(t.to_vector(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  EXPECT_THROW(t.copy_(zeros({3, 2})), ShapeError);
  // Overlapping source and destination: the copy reads the old values.
  Tensor r = arange(0.0, 4.0);
  r.narrow(0, 1, 2).copy_(r.narrow(0, 0, 2));  // a forward copy in place would give 0, 0, 0, 3
  EXPECT_EQ(r.to_vector(), (std::vector<float>{0, 0, 1, 3}));
}

TEST(Dtype, BatchTargetsAreInt64AndLossesTakeThem) {
  Tensor logits = from_vector({2, 0, 0, 0, 3, 0}, {2, 3});
  Tensor loss = cross_entropy(logits, tensor({0, 1}));
  EXPECT_TRUE(std::isfinite(loss.item()));
  EXPECT_THROW(cross_entropy(logits, tensor({0.0f, 1.0f})), TypeError);
  EXPECT_THROW(cross_entropy(logits, tensor({0, 3})), IndexError);
}
