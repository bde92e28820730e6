// Model descriptions (models/model_file.hpp): what they build, that print(model) reads back as
// the same model, the one-line errors that name the line, and the check against the images.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "fovea/inference/classifier.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/model_file.hpp"
#include "fovea/random.hpp"
#include "support/expect_tensor.hpp"

namespace fovea::models {
namespace {

using testing::error_of;
using testing::expect_contains;

const char* kSmall = R"(# a small BatchNorm network
Conv2d(1, 8, 5)          # 24 x 24
BatchNorm2d(8)
ReLU(inplace=True)
MaxPool2d(2)             # 12 x 12
Conv2d(8, 16, kernel_size=(3, 3), padding=1, bias=False)
BatchNorm2d(16, momentum=None)
ReLU()
MaxPool2d(kernel_size=2, stride=None)   # 6 x 6
Flatten()
Dropout(p=0.25)
Linear(576, 10)
)";

std::vector<std::string> keys(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, t] : m.state_dict()) out.push_back(name);
  return out;
}

TEST(ModelFile, BuildsTheLayersInOrderWithPyTorchsDefaults) {
  ModelDescription d = parse_model_description(kSmall, "small.model");
  ASSERT_EQ(d.model->size(), 11u);
  auto* conv = dynamic_cast<nn::Conv2d*>((*d.model)[4].get());
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->padding().h, 1);
  EXPECT_FALSE(conv->bias.defined());
  auto* bn = dynamic_cast<nn::BatchNorm2d*>((*d.model)[5].get());
  ASSERT_NE(bn, nullptr);
  EXPECT_FALSE(bn->momentum().has_value());
  EXPECT_EQ(keys(*d.model)[0], "0.weight");
  // Every layer is listed with the line it came from, in the order they run.
  ASSERT_EQ(d.lines.size(), 11u);
  EXPECT_EQ(d.lines.front().second, 2);
  EXPECT_EQ(d.lines.back().second, 12);
  EXPECT_NO_THROW(check_model_fits(d, {1, 28, 28}, 10));
}

TEST(ModelFile, WhatPrintShowsReadsBackAsTheSameModel) {
  ModelDescription d = parse_model_description(kSmall, "small.model");
  const std::string printed = d.model->repr();
  ModelDescription again = parse_model_description(printed, "printed");
  EXPECT_EQ(again.model->repr(), printed);
  EXPECT_EQ(keys(*again.model), keys(*d.model));
}

TEST(ModelFile, NamedAndNestedLayersGiveTheirStateDictKeys) {
  ModelDescription d = parse_model_description(R"(
    (features): Sequential(
      (conv): Conv2d(1, 4, 3)
      (act): ReLU()
    )
    (pool): AdaptiveAvgPool2d((1, 1))
    (flat): Flatten()
    (fc): Linear(4, 10)
  )",
                                               "named.model");
  EXPECT_EQ(keys(*d.model), (std::vector<std::string>{"features.conv.weight", "features.conv.bias", "fc.weight",
                                                       "fc.bias"}));
  EXPECT_NO_THROW(check_model_fits(d, {1, 28, 28}, 10));
  // One Sequential written around everything is the model itself, as print(model) shows it.
  ModelDescription wrapped = parse_model_description("Sequential(Conv2d(1, 2, 3), Flatten())", "w");
  EXPECT_EQ(keys(*wrapped.model)[0], "0.weight");
}

TEST(ModelFile, ErrorsNameTheFileTheLineAndWhatWasExpected) {
  auto error = [](const std::string& text) {
    return error_of<ValueError>([&] { parse_model_description(text, "m.txt"); });
  };
  expect_contains(error("Conv2d(1, 8, 3)\nConv3d(8, 8, 3)"),
                  {"m.txt:2:", "unknown layer 'Conv3d'", "Conv2d", "Linear", "BatchNorm2d"});
  expect_contains(error("Conv2d(1, 8, kernal_size=3)"),
                  {"m.txt:1: Conv2d has no argument 'kernal_size'", "kernel_size, stride, padding"});
  expect_contains(error("Linear(4, 10, in_features=4)"), {"m.txt:1: Linear got 'in_features' twice"});
  expect_contains(error("Linear(4)"), {"m.txt:1: Linear needs 'out_features'"});
  expect_contains(error("Linear(4, 2.5)"), {"out_features must be an integer, got 2.5"});
  expect_contains(error("ReLU(inplace=1)"), {"inplace must be True or False, got 1"});
  expect_contains(error("Dropout(p=2)"), {"m.txt:1:", "between 0 and 1"});
  expect_contains(error("Linear(in_features=4, 10)"), {"a positional argument after a named one"});
  expect_contains(error("MaxPool2d(2, ceil_mode=True)"), {"supports only ceil_mode=False, got True"});
  expect_contains(error("Linear(1000000, 1000000)"), {"at most 2^28"});
  expect_contains(error("Linear(100000000, 10)"), {"at most 2^24"});
  expect_contains(error("Conv2d(1, 8, (3, 3.5))"), {"a pair holds two integers"});
  expect_contains(error("\n\nConv2d(1, 8, 3"), {"m.txt:3:", "expected ')'"});
  expect_contains(error("Conv2d(1, 8, 3))"), {"an unmatched ')'"});
  expect_contains(error("# nothing\n"), {"no layers"});
  expect_contains(error("Conv2d(1; 8)"), {"unexpected character ';'"});
  expect_contains(error("GELU(approximate='fast')"), {"m.txt:1:", "'none' or 'tanh'"});
  expect_contains(error("(a): ReLU()\n(a): ReLU()"), {"m.txt:2:", "two children named 'a'"});
  expect_contains(error(std::string(40, '(') + "x"), {"m.txt:1:"});
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "Sequential(";
  expect_contains(error(deep), {"nested more than 32 deep"});
}

TEST(ModelFile, LayersThatDoNotFitTheImagesAreNamedByLine) {
  ModelDescription d = parse_model_description("Conv2d(1, 8, 5)\nFlatten()\nLinear(100, 10)\n", "m.txt");
  expect_contains(error_of<ValueError>([&] { check_model_fits(d, {1, 28, 28}, 10); }),
                  {"m.txt:3: Linear(in_features=100", "[2, 4608]"});
  ModelDescription no_rows = parse_model_description("Conv2d(1, 8, 5)", "m.txt");
  expect_contains(error_of<ValueError>([&] { check_model_fits(no_rows, {1, 28, 28}, 10); }),
                  {"m.txt:", "[2, 8, 24, 24]", "one row of 10 scores"});
  ModelDescription too_few = parse_model_description("Flatten()\nLinear(784, 3)", "m.txt");
  expect_contains(error_of<ValueError>([&] { check_model_fits(too_few, {1, 28, 28}, 10); }), {"[2, 3]"});
}

TEST(ModelFile, TheCheckDrawsNothingAndKeepsTheMode) {
  ModelDescription d = parse_model_description(kSmall, "small.model");
  manual_seed(3);
  const Tensor before = rand({4});
  manual_seed(3);
  check_model_fits(d, {1, 28, 28}, 10);
  EXPECT_EQ(rand({4}).to_vector(), before.to_vector());
  EXPECT_TRUE(d.model->is_training());
  auto* bn = dynamic_cast<nn::BatchNorm2d*>((*d.model)[1].get());
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
}

TEST(ModelFile, ReadsAFileAndRefusesWhatIsNotOne) {
  const std::string path = ::testing::TempDir() + "fovea_model_file_test.model";
  { std::ofstream(path) << kSmall; }
  EXPECT_EQ(read_model_file(path).model->size(), 11u);
  EXPECT_EQ(read_model_file(path).source, path);
  { std::ofstream(path, std::ios::binary) << std::string("Conv2d\0(", 8); }
  expect_contains(error_of<IOError>([&] { read_model_file(path); }), {"not text"});
  std::remove(path.c_str());
  expect_contains(error_of<IOError>([&] { read_model_file(path); }), {path.c_str(), "cannot open"});
}

TEST(ModelFile, WeightsKeepTheDescriptionAndLoadBackIntoTheSameModel) {
  manual_seed(0);
  ModelDescription d = parse_model_description(kSmall, "small.model");
  d.model->eval();
  const std::string path = ::testing::TempDir() + "fovea_model_file_weights.safetensors";
  io::save_safetensors(path, d.model->state_dict(), {{kModelDescriptionKey, d.text}});
  inference::LoadedModel loaded = inference::load_model(path);
  const Tensor x = rand({3, 1, 28, 28});
  EXPECT_EQ((*loaded.model)(x).to_vector(), (*d.model)(x).to_vector());
  expect_contains(loaded.name, {"described in", path.c_str()});
  expect_contains(error_of<IOError>([&] { inference::load_cnn_net(path); }), {"described in text"});
  // An edited description is still checked, and its error names the weights file.
  io::save_safetensors(path, d.model->state_dict(), {{kModelDescriptionKey, "Conv9d(1)"}});
  expect_contains(error_of<IOError>([&] { inference::load_model(path); }), {path.c_str(), "unknown layer 'Conv9d'"});
  std::remove(path.c_str());
}

}  // namespace
}  // namespace fovea::models
