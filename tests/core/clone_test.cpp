// Module::clone(): a deep copy that owns its weights, keeps the mode of every submodule, gives the
// same outputs, and leaves a seeded run's random stream where it was. Copying a module does not
// compile (a copy would alias the weights), which the static_asserts pin.
#include <gtest/gtest.h>

#include <type_traits>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/random.hpp"
#include "support/same_values.hpp"

using namespace fovea;

using fovea::testing::same_values;

static_assert(!std::is_copy_constructible_v<models::CNNNet>, "copying a module would alias its weights");
static_assert(!std::is_copy_assignable_v<nn::Conv2d>, "copying a module would alias its weights");
static_assert(std::is_move_constructible_v<nn::Linear>, "a module can still be moved into a Sequential");

TEST(Clone, DeepCopiesEveryTensorAndGivesTheSameLogits) {
  manual_seed(3);
  models::CNNNet model;
  model.eval();
  auto copy = std::dynamic_pointer_cast<models::CNNNet>(model.clone());
  ASSERT_TRUE(copy);
  Tensor x = randn({4, 1, 28, 28});
  EXPECT_TRUE(same_values(model(x), (*copy)(x)));

  // Its own storage: training the original leaves the copy as it was.
  const auto before = copy->state_dict();
  const auto original = model.state_dict();
  ASSERT_EQ(before.size(), original.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].first, original[i].first);
    EXPECT_NE(before[i].second.data(), original[i].second.data()) << before[i].first << " is shared";
  }
  Tensor w_before = copy->conv1->named_parameters()[0].second.clone();
  {
    NoGradGuard no_grad;
    Tensor w = original[0].second;
    w.fill_(1.0f);
  }
  EXPECT_TRUE(same_values(copy->conv1->named_parameters()[0].second, w_before));
  // The derived class's handles point at the copy's own tensors, not the original's.
  EXPECT_EQ(std::dynamic_pointer_cast<nn::Conv2d>((*copy->conv1)[0])->weight.data(), copy->state_dict()[0].second.data());
  EXPECT_TRUE(copy->parameters()[0].requires_grad());
  EXPECT_FALSE(copy->parameters()[0].grad().defined());
}

TEST(Clone, KeepsEachModulesModeAndTheRandomStream) {
  manual_seed(5);
  models::CNNNet model;
  model.train();
  model.dense->eval();
  const std::string stream_before = default_generator().get_state();
  auto copy = model.clone();
  EXPECT_EQ(default_generator().get_state(), stream_before) << "clone() drew from the seeded stream";
  EXPECT_TRUE(copy->is_training());
  EXPECT_FALSE(std::dynamic_pointer_cast<models::CNNNet>(copy)->dense->is_training());
  EXPECT_TRUE(std::dynamic_pointer_cast<models::CNNNet>(copy)->conv1->is_training());
}

TEST(Clone, AModuleWithoutCloneSaysHowToAddIt) {
  struct Mine : nn::Module {
    Mine() : nn::Module("Mine") {}
    Tensor forward(const Tensor& x) override { return x; }
  };
  Mine m;
  try {
    m.clone();
    FAIL() << "clone() of a module that does not implement it returned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Mine does not implement clone()"), std::string::npos) << e.what();
  }
}
