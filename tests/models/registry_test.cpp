// models/registry.hpp: every name builds, with one output per class asked for; other names and
// class counts are one error listing what is valid.
#include <gtest/gtest.h>

#include "fovea/models/registry.hpp"
#include "fovea/ops.hpp"
#include "support/expect_tensor.hpp"

namespace fovea::models {
namespace {

using testing::error_of;
using testing::expect_contains;

TEST(Registry, EveryModelTakesAnMnistImageAndGivesOneScorePerClass) {
  for (const std::string& name : model_names())
    for (int64_t classes : {10, 3}) {
      nn::ModulePtr model = create_model(name, classes);
      model->eval();
      Shape batch = {2};
      for (int64_t d : model_input_shape()) batch.push_back(d);
      EXPECT_EQ((*model)(zeros(batch)).shape(), (Shape{2, classes})) << name;
      EXPECT_EQ(model->clone()->repr(), model->repr()) << name << ": a clone keeps the class count";
    }
}

TEST(Registry, UnknownNamesAndClassCountsAreRefused) {
  expect_contains(error_of<ValueError>([] { create_model("resnet"); }),
                  {"unknown model 'resnet'", "cnn, lenet5, lenet5-relu, fast"});
  expect_contains(error_of<ValueError>([] { create_model("cnn", 1); }), {"1 classes", "2 to 2^20"});
}

}  // namespace
}  // namespace fovea::models
