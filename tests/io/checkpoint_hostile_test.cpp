// load_checkpoint against hostile metadata: a safetensors file whose metadata is a checkpoint's but
// for one field, written here. Each must be one IOError line naming the file and the field.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/io/safetensors.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;

namespace {

class CheckpointHostile : public ::testing::Test {
 protected:
  // A complete (empty) checkpoint's metadata with `field` set to `value`.
  void write(const std::string& field, const std::string& value, const NamedTensors& tensors = {}) {
    std::map<std::string, std::string> metadata = {
        {"fovea.checkpoint", "1"}, {"optimizer.type", "SGD"}, {"optimizer.hyperparameters", "{\"lr\":0.1}"},
        {"epoch", "1"},           {"step", "7"},             {"epoch_step", "0"},
        {"partial_metrics", "{}"}, {"metrics", "[{\"loss\":0.5}]"}, {"config", "{\"epochs\":\"2\"}"},
        {"generator.default", "mt19937_64 0 abc"}};
    if (!field.empty()) metadata[field] = value;
    io::save_safetensors(path_, tensors, metadata);
  }
  void expect_refused(const std::string& field, const std::string& value, const std::vector<std::string>& needles,
                      const NamedTensors& tensors = {}) {
    write(field, value, tensors);
    try {
      io::load_checkpoint(path_);
      ADD_FAILURE() << "expected an IOError for " << field;
    } catch (const IOError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(path_ + ": ", 0), 0u) << what;
      for (char c : what) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "unescaped byte " << int(c) << " in: " << what;
      for (const std::string& n : needles) EXPECT_NE(what.find(n), std::string::npos) << "'" << n << "' not in: " << what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected an IOError, got: " << e.what();
    }
  }
  fovea::testing::TempDir dir_;
  std::string path_ = dir_ / "hostile.ckpt";
};

}  // namespace

TEST_F(CheckpointHostile, TheBaseFileLoads) {
  write("", "");
  io::Checkpoint c = io::load_checkpoint(path_);
  EXPECT_EQ(c.epoch, 1);
  EXPECT_EQ(c.step, 7);
  EXPECT_EQ(c.metrics.size(), 1u);
  EXPECT_EQ(c.config.at("epochs"), "2");
  EXPECT_EQ(c.generators.at("default"), "mt19937_64 0 abc");
}

TEST_F(CheckpointHostile, CountsAreDigitsWithoutOverflow) {
  for (const char* bad : {"-1", "+5", " 5", "5 ", "1e3", "0x10", "", "9223372036854775808", "99999999999999999999"})
    expect_refused("epoch", bad, {"checkpoint field 'epoch' is '", "expected a whole number from 0 to"});
  expect_refused("step", "\n7", {"'step' is '\\x0a7'"});
  write("epoch", "9223372036854775807");
  EXPECT_EQ(io::load_checkpoint(path_).epoch, INT64_MAX);
}

TEST_F(CheckpointHostile, JsonFieldsAreBoundedInDepthAndSize) {
  const std::string open(100000, '['), close(100000, ']');
  expect_refused("metrics", open + close, {"checkpoint field 'metrics' nests deeper than 4 levels"});
  expect_refused("config", "{\"a\":" + open, {"'config' nests deeper than 4"});
  // 3.3 MB of "{}," would be ~35 MB as a tree: refused at the value limit, whatever the text's length,
  // and at once (nlohmann's parser callback would have rescanned the array after each row: O(n^2)).
  const auto start = std::chrono::steady_clock::now();
  std::string rows = "[{}";
  for (int i = 0; i < 1100000; ++i) rows += ",{}";
  expect_refused("metrics", rows + "]", {"'metrics' holds more than 100000 values"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  expect_refused("optimizer.hyperparameters", "{\"lr\":0.1,\"lr\":10}",
                 {"'optimizer.hyperparameters' lists the key 'lr' twice"});
  expect_refused("metrics", "[{\"loss\":1},{\"loss\":1,\"loss\":2}]", {"'metrics' lists the key 'loss' twice"});
  // Parameter groups: 1, 2, ... beside group 0's "optimizer.hyperparameters", nothing else.
  expect_refused("optimizer.param_groups.2", "{\"lr\":0.1}", {"'optimizer.param_groups.2' is not a parameter group"});
  expect_refused("optimizer.param_groups.0", "{\"lr\":0.1}", {"'optimizer.param_groups.0'", "group 0 is"});
  expect_refused("optimizer.param_groups.1", "{\"lr\":\"fast\"}", {"optimizer.param_groups.1"});
  expect_refused("scheduler.best", std::string(5000, '1'), {"'scheduler.best' is 5000 bytes, expected at most 4096"});
  write("optimizer.param_groups.1", "{\"lr\":0.5}");
  EXPECT_EQ(io::load_checkpoint(path_).optimizer.param_groups.size(), 2u);
  // Near the limit: 7,000 rows of 6 metrics (91,001 values, keys included) load.
  std::string ok = "[";
  for (int i = 0; i < 7000; ++i) ok += std::string(i ? "," : "") + "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}";
  write("metrics", ok + "]");
  EXPECT_EQ(io::load_checkpoint(path_).metrics.size(), 7000u);
}

TEST_F(CheckpointHostile, JsonFieldsOfTheWrongShapeAreIOErrors) {
  expect_refused("metrics", "[{\"loss\":\"x\"}]", {"checkpoint field 'metrics' is malformed"});
  expect_refused("metrics", "{", {"'metrics' is malformed"});
  expect_refused("metrics", "[{\"loss\":1e999}]", {"'metrics' is malformed"});
  expect_refused("config", "{\"a\":{\"b\":1}}", {"'config' is malformed"});
  expect_refused("partial_metrics", "[1]", {"'partial_metrics' is malformed"});
  expect_refused("metrics", "[\"\x01", {"'metrics' is malformed"});  // escaped in the message
}

TEST_F(CheckpointHostile, FileTextInMessagesIsEscapedAndBounded) {
  expect_refused("fovea.checkpoint", "2\n\x1b[2J", {"checkpoint format '2\\x0a\\x1b[2J'"});
  expect_refused("", "", {"checkpoint tensor 'x\\x0ay' is neither"}, {{"x\ny", full({1}, 1)}});
  expect_refused("generator.default", std::string(100000, 'a'),
                 {"'generator.default' is 100000 bytes", "at most 65536 printable bytes"});
  expect_refused("generator.default", "mt19937_64\n0", {"with unprintable bytes", "'mt19937_64\\x0a0'"});
}
