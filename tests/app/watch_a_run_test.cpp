// What fovea train shows of a run besides the seed's lines, and fovea visualize, run as a user
// would on a small copy of MNIST: --plots draws six pictures that depend on the model; --log
// writes JSON Lines; --tensorboard writes an event file; none of them changes a single figure of
// the epoch lines; the progress line appears only on request when stdout is not a terminal; a
// folder that cannot be written is one error line before training; a full disk is one warning
// and the run goes on.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/idx_files.hpp"
#include "support/run_cli.hpp"
#include "support/small_mnist.hpp"
#include "support/temp_dir.hpp"

using fovea::testing::CliResult;
using fovea::testing::expect_one_line_error;
using fovea::testing::read_bytes;
using fovea::testing::run_cli;

namespace {

namespace fs = std::filesystem;

// A PNG's width and height, from its IHDR chunk (bytes 16..23, big-endian).
std::pair<uint32_t, uint32_t> png_size(const std::string& path) {
  const std::vector<uint8_t> b = read_bytes(path);
  if (b.size() < 24 || b[1] != 'P' || b[12] != 'I') return {0, 0};
  auto be32 = [&](size_t i) { return uint32_t(b[i]) << 24 | uint32_t(b[i + 1]) << 16 | uint32_t(b[i + 2]) << 8 | b[i + 3]; };
  return {be32(16), be32(20)};
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class WatchARun : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir = dir / "mnist";
    fs::create_directory(data_dir);
    fovea::testing::write_small_split(data_dir, true, 512);
    fovea::testing::write_small_split(data_dir, false, 256);
  }
  std::string common() const {
    return " --data " + data_dir + " --no-download --threads 2 --fixed-threads --batch-size 64 --test-batch-size 64";
  }
  fovea::testing::TempDir dir;
  std::string data_dir;
};

}  // namespace

TEST_F(WatchARun, PlotsLogAndTensorBoardDrawTheRunWithoutChangingItsFigures) {
  const CliResult plain = run_cli("train --epochs 2" + common());
  const std::string plots = dir / "plots", log = dir / "logs/metrics.jsonl", tb = dir / "tb";
  const CliResult watched =
      run_cli("train --epochs 2 --plots " + plots + " --log " + log + " --log-every 3 --tensorboard " + tb + common());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  EXPECT_EQ(watched.lines_starting("epoch:"), plain.lines_starting("epoch:"));
  EXPECT_EQ(watched.out.find('\r'), std::string::npos) << "a progress line on a pipe";
  EXPECT_EQ(watched.err, "");

  for (const std::string name : {"samples", "curves", "confusion", "kernels", "feature_maps", "mistakes"}) {
    const auto [width, height] = png_size(plots + "/" + name + ".png");
    EXPECT_GE(width, 200u) << name;
    EXPECT_GE(height, 150u) << name;
    EXPECT_LE(width, 2000u) << name;
    EXPECT_LE(height, 2000u) << name;
  }
  // The log: 8 steps an epoch, a step record every 3rd step, an epoch record after each epoch.
  std::ifstream in(log);
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  std::vector<int> steps;
  std::vector<nlohmann::json> epochs;
  for (const auto& r : records) (r.contains("train_loss") ? epochs.push_back(r) : steps.push_back(r["step"].get<int>()));
  EXPECT_EQ(steps, (std::vector<int>{3, 6, 9, 12, 15}));
  ASSERT_EQ(epochs.size(), 2u);
  char expected[128];
  std::snprintf(expected, sizeof expected, "epoch:1,Train Loss:%.4f,Train Acc:%.4f,Test Loss:%.4f,Test Acc:%.4f",
                epochs[1]["train_loss"].get<double>(), epochs[1]["train_accuracy"].get<double>(),
                epochs[1]["test_loss"].get<double>(), epochs[1]["test_accuracy"].get<double>());
  EXPECT_EQ(plain.lines_starting("epoch:1").at(0), expected);
  EXPECT_EQ(epochs[1]["step"], 16);
  EXPECT_GT(epochs[1]["images_per_second"].get<double>(), 0.0);
  // One event file.
  size_t event_files = 0;
  for (const auto& e : fs::directory_iterator(tb)) event_files += e.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
  EXPECT_EQ(event_files, 1u);
}

TEST_F(WatchARun, AnotherModelDrawsOtherKernels) {
  const std::string a = dir / "a", b = dir / "b";
  ASSERT_EQ(run_cli("train --epochs 1 --seed 1 --plots " + a + common()).exit_code, 0);
  ASSERT_EQ(run_cli("train --epochs 1 --seed 2 --plots " + b + common()).exit_code, 0);
  EXPECT_EQ(png_size(a + "/kernels.png"), png_size(b + "/kernels.png"));
  EXPECT_NE(read_bytes(a + "/kernels.png"), read_bytes(b + "/kernels.png"));
  EXPECT_NE(read_bytes(a + "/feature_maps.png"), read_bytes(b + "/feature_maps.png"));
  // The same data: the same sample grid.
  EXPECT_EQ(read_bytes(a + "/samples.png"), read_bytes(b + "/samples.png"));
}

TEST_F(WatchARun, TheProgressLineOnlyWhenAskedForOnAPipe) {
  const CliResult shown = run_cli("train --epochs 1 --progress" + common());
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("\repoch 0 train 8/8"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("\repoch 0 test  1/4"), std::string::npos) << shown.out;  // the first is always drawn
  // Erased before the seed's line, which starts a line of its own.
  EXPECT_NE(shown.out.find("\r\033[Kepoch:0,Train Loss:"), std::string::npos) << shown.out;
  const CliResult hidden = run_cli("train --epochs 1 --no-progress" + common());
  EXPECT_EQ(hidden.out.find('\r'), std::string::npos);
  expect_one_line_error(run_cli("train --epochs 1 --progress --no-progress" + common()), "--no-progress");
}

TEST_F(WatchARun, AnOutputFolderThatCannotBeWrittenIsOneLineBeforeTraining) {
  const std::string blocker = dir / "a_file";
  fovea::testing::write_bytes(blocker, {'x'});
  for (const std::string flag : {"--plots " + blocker + "/plots", "--log " + blocker + "/m.jsonl",
                                 "--tensorboard " + blocker + "/tb", "--log " + dir.path().string()}) {
    SCOPED_TRACE(flag);
    const CliResult r = run_cli("train --epochs 1 " + flag + common());
    expect_one_line_error(r, flag.substr(0, flag.find(' ')));
    EXPECT_EQ(r.out.find("start training"), std::string::npos) << r.out;
  }
  expect_one_line_error(run_cli("train --epochs 1 --log-every 5" + common()), "--log-every needs --log");
}

TEST_F(WatchARun, AFullDiskIsOneWarningAndTheRunGoesOn) {
  const CliResult r = run_cli("train --epochs 2 --log /dev/full --log-every 1" + common());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.lines_starting("epoch:").size(), 2u);
  EXPECT_EQ(count_of(r.err, "warning: stopped writing the metrics log /dev/full"), 1u) << r.err;
  EXPECT_EQ(count_of(r.err, "\n"), 1u) << r.err;
}

TEST_F(WatchARun, VisualizeDrawsASavedModelsKernelsAndAnImagesFeatureMaps) {
  const std::string model = dir / "model.safetensors", out = dir / "vis";
  ASSERT_EQ(run_cli("train --epochs 1 --save " + model + common()).exit_code, 0);
  const std::string image = std::string(FOVEA_FIXTURES_DIR) + "/mnist_test_0_seven.png";
  const CliResult r = run_cli("visualize --model " + model + " --image " + image + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(png_size(out + "/kernels.png").first, 200u);
  EXPECT_GE(png_size(out + "/feature_maps.png").first, 200u);
  EXPECT_NE(r.out.find("kernels.png"), std::string::npos) << r.out;
  // Bad input: one line each, nothing written.
  const std::string nothing = dir / "nothing";
  expect_one_line_error(run_cli("visualize --model " + dir / "missing.safetensors" + " --image " + image + " --out " + nothing),
                        "missing.safetensors");
  expect_one_line_error(run_cli("visualize --model " + model + " --image " + model + " --out " + nothing), model);
  EXPECT_FALSE(fs::exists(nothing));
}
