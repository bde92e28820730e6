// Module state: state_dict keys and order as PyTorch's, buffers, strict and non-strict loads that
// change nothing on failure, and a safetensors round trip that reproduces a model's logits.
#include <gtest/gtest.h>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/io/save_load.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/random.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;

namespace {

// A layer with a buffer, as BatchNorm will have: a parameter, then a buffer, then a child.
class WithBuffer : public nn::Module {
 public:
  WithBuffer() : nn::Module("WithBuffer") {
    scale = register_parameter("scale", full({3}, 2));
    running = register_buffer("running_mean", full({3}, 0.5f));
    inner = register_module("inner", std::make_shared<nn::Linear>(3, 2));
  }
  Tensor forward(const Tensor& x) override { return (*inner)(x); }
  Tensor scale, running;
  std::shared_ptr<nn::Linear> inner;
};

std::vector<std::string> keys(const nn::StateDict& dict) {
  std::vector<std::string> out;
  for (auto& [k, t] : dict) out.push_back(k);
  return out;
}

std::string load_error(nn::Module& m, const nn::StateDict& dict, bool strict = true) {
  try {
    m.load_state_dict(dict, strict);
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(StateDict, KeysAndOrderArePyTorchs) {
  models::CNNNet model;
  EXPECT_EQ(keys(model.state_dict()),
            (std::vector<std::string>{"conv1.0.weight", "conv1.0.bias", "conv2.0.weight", "conv2.0.bias",
                                      "dense.0.weight", "dense.0.bias", "dense.3.weight", "dense.3.bias"}));
  WithBuffer m;
  // torch: a module's parameters, then its buffers, then its children's entries.
  EXPECT_EQ(keys(m.state_dict()), (std::vector<std::string>{"scale", "running_mean", "inner.weight", "inner.bias"}));
  EXPECT_EQ(m.parameters().size(), 3u);  // the buffer is state, not a parameter
  EXPECT_EQ(keys(m.named_buffers()), (std::vector<std::string>{"running_mean"}));
  EXPECT_FALSE(m.running.requires_grad());
}

TEST(StateDict, LoadCopiesValuesWithoutAliasing) {
  manual_seed(1);
  models::CNNNet a;
  manual_seed(2);
  models::CNNNet b;
  a.eval();
  b.eval();
  NoGradGuard no_grad;
  Tensor x = randn({4, 1, 28, 28});
  ASSERT_NE(a(x).to_vector(), b(x).to_vector());
  auto result = b.load_state_dict(a.state_dict());
  EXPECT_TRUE(result.missing_keys.empty());
  EXPECT_TRUE(result.unexpected_keys.empty());
  EXPECT_EQ(a(x).to_vector(), b(x).to_vector());
  // b holds copies: changing a afterwards leaves b alone.
  a.state_dict()[0].second.fill_(0);
  EXPECT_NE(a(x).to_vector(), b(x).to_vector());
}

TEST(StateDict, StrictLoadNamesEveryProblemAndChangesNothing) {
  WithBuffer m;
  nn::StateDict dict = m.state_dict();
  for (auto& [k, t] : dict) t = t.clone().fill_(9);
  dict.erase(dict.begin());                                 // "scale" missing
  dict.emplace_back("extra.weight", full({1}, 1));          // unexpected
  dict[1].second = full({2, 4}, 1);                         // inner.weight: [2, 3] in the model
  std::string err = load_error(m, dict);
  EXPECT_NE(err.find("WithBuffer"), std::string::npos) << err;
  EXPECT_NE(err.find("missing keys: scale"), std::string::npos) << err;
  EXPECT_NE(err.find("unexpected keys: extra.weight"), std::string::npos) << err;
  EXPECT_NE(err.find("size mismatch for inner.weight (given [2, 4], the model has [2, 3])"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << "one line";
  // running_mean fitted, but the load failed as a whole: nothing was copied.
  EXPECT_EQ(m.running.to_vector(), (std::vector<float>{0.5f, 0.5f, 0.5f}));
}

TEST(StateDict, NonStrictLoadReportsKeysButRefusesShapeMismatch) {
  WithBuffer m;
  auto result = m.load_state_dict(nn::StateDict{{"running_mean", full({3}, 4)}, {"other", full({1}, 0)}},
                                  /*strict=*/false);
  EXPECT_EQ(result.missing_keys, (std::vector<std::string>{"scale", "inner.weight", "inner.bias"}));
  EXPECT_EQ(result.unexpected_keys, (std::vector<std::string>{"other"}));
  EXPECT_EQ(m.running.to_vector(), (std::vector<float>{4, 4, 4}));
  EXPECT_NE(load_error(m, {{"scale", full({4}, 1)}}, /*strict=*/false).find("size mismatch for scale"),
            std::string::npos);
  EXPECT_NE(load_error(m, {{"scale", full({3}, 1)}, {"scale", full({3}, 2)}}, false).find("duplicate keys: scale"),
            std::string::npos);
}

TEST(StateDict, NamesAreOneNamespace) {
  class Bad : public nn::Module {
   public:
    Bad() : nn::Module("Bad") { register_parameter("w", full({1}, 0)); }
    Tensor forward(const Tensor& x) override { return x; }
    void add_buffer(const std::string& name) { register_buffer(name, full({1}, 0)); }
  } bad;
  EXPECT_THROW(bad.add_buffer("w"), Error);
  EXPECT_THROW(bad.add_buffer("a.b"), ValueError);
  EXPECT_THROW(bad.add_buffer(""), ValueError);
}

TEST(StateDict, CopyChecksShapesNotJustSizes) {
  Tensor w = full({2, 3}, 0);
  EXPECT_THROW(w.copy_(full({3, 2}, 1)), ShapeError);
  EXPECT_THROW(w.copy_(full({6}, 1)), ShapeError);
  w.copy_(full({2, 3}, 1));
  EXPECT_EQ(w.to_vector(), std::vector<float>(6, 1));
}

TEST(StateDict, SafetensorsRoundTripReproducesLogits) {
  fovea::testing::TempDir dir;
  const std::string path = dir / "model.safetensors";
  manual_seed(3);
  models::CNNNet a;
  fovea::save(path, a);
  manual_seed(4);
  models::CNNNet b;
  fovea::load(path, b);
  EXPECT_EQ(keys(fovea::load(path)), keys(a.state_dict()));
  a.eval();
  b.eval();
  NoGradGuard no_grad;
  Tensor x = randn({8, 1, 28, 28});
  EXPECT_EQ(a(x).to_vector(), b(x).to_vector());
}

TEST(StateDict, LoadingAFileOfAnotherModelNamesTheFileAndEveryKey) {
  fovea::testing::TempDir dir;
  const std::string path = dir / "other.safetensors";
  WithBuffer other;
  fovea::save(path, other);
  models::CNNNet model;
  const Tensor before = model.state_dict()[0].second.clone();
  try {
    fovea::load(path, model);
    FAIL() << "a file of another model loaded";
  } catch (const IOError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path + ": does not fit CNN_net: ", 0), 0u) << message;
    for (const char* key : {"conv1.0.weight", "dense.3.bias", "scale", "inner.weight"})
      EXPECT_NE(message.find(key), std::string::npos) << key << " not named in: " << message;
    EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 0) << message;
  }
  EXPECT_EQ(model.state_dict()[0].second.to_vector(), before.to_vector()) << "a failed load changed the model";
}
