// A bad input to a layer is one error that names the op, the shapes and the layer: the op checks
// (once, where the value enters) and the module adds which layer it was.
#include <gtest/gtest.h>

#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/nn/layers.hpp"

using namespace fovea;

namespace {

template <typename E, typename F>
std::string message_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error of the expected type";
  return "";
}

}  // namespace

TEST(ModuleErrors, TheInnermostLayerIsNamedOnceWithTheOpsMessage) {
  models::CNNNet model;
  // Three channels where the first convolution (fused with its ReLU inside Sequential) takes one.
  const std::string m = message_of<ShapeError>([&] { model(zeros({2, 3, 28, 28})); });
  EXPECT_EQ(m.find("Conv2d(1, 16"), 0u) << m;
  EXPECT_NE(m.find("'conv1.0'"), std::string::npos) << m;
  EXPECT_NE(m.find("conv2d: expected input of shape [N, 1, H, W]"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 3, 28, 28]"), std::string::npos) << m;
  EXPECT_EQ(m.find("Sequential"), std::string::npos) << "only the innermost layer: " << m;
  EXPECT_EQ(m.find("CNNNet"), std::string::npos) << "only the innermost layer: " << m;
}

TEST(ModuleErrors, TheErrorKeepsItsType) {
  nn::Linear fc(4, 2);
  const std::string m = message_of<ShapeError>([&] { fc(zeros({3, 5})); });
  EXPECT_EQ(m.find("Linear(in_features=4, out_features=2"), 0u) << m;
  EXPECT_NE(m.find("linear: input of shape [3, 5]"), std::string::npos) << m;
  EXPECT_THROW(fc(zeros({3, 4}, kInt64)), TypeError);
  nn::MaxPool2d pool(2);
  EXPECT_NE(message_of<ShapeError>([&] { pool(zeros({4, 4})); }).find("MaxPool2d("), std::string::npos);
}
