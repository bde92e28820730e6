// Inputs checked where they enter the fovea command: images of a size the model cannot take
// (in either split), an empty split, more threads than cores, and running out of memory. Each
// is one line naming the file or the flag, before any training it would have spoiled.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/idx_files.hpp"
#include "support/run_cli.hpp"
#include "support/temp_dir.hpp"

using fovea::testing::CliResult;
using fovea::testing::expect_one_line_error;
using fovea::testing::run_cli;

namespace {

// A split of `count` images of rows x cols pixels (a constant grey, labels cycling 0..9).
void write_split(const std::string& dir, bool train, uint32_t count, uint32_t rows, uint32_t cols) {
  const std::string prefix = train ? "train" : "t10k";
  std::vector<uint8_t> pixels(size_t(count) * rows * cols, 128), labels(count);
  for (uint32_t i = 0; i < count; ++i) labels[i] = uint8_t(i % 10);
  fovea::testing::write_bytes(dir + "/" + prefix + "-images-idx3-ubyte", fovea::testing::idx_bytes({count, rows, cols}, pixels));
  fovea::testing::write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte", fovea::testing::idx_bytes({count}, labels));
}

const std::string kFlags = " --epochs 1 --no-download --batch-size 16 --threads 1";

}  // namespace

TEST(InputChecks, ImagesOfAnotherSizeAreRefusedNamingTheFileBeforeTraining) {
  fovea::testing::TempDir dir;
  write_split(dir.path(), true, 32, 32, 32);
  write_split(dir.path(), false, 16, 28, 28);
  CliResult r = run_cli("train --data " + dir.path().string() + kFlags);
  expect_one_line_error(r, dir / "train-images-idx3-ubyte" + ": images of shape [1, 32, 32], but fovea's models take [1, 28, 28]");
  // Only the test split wrong: still refused before the first epoch, not after it.
  write_split(dir.path(), true, 32, 28, 28);
  write_split(dir.path(), false, 16, 32, 28);
  r = run_cli("train --data " + dir.path().string() + kFlags);
  expect_one_line_error(r, dir / "t10k-images-idx3-ubyte" + ": images of shape [1, 32, 28]");
  EXPECT_EQ(r.out.find("epoch:"), std::string::npos) << r.out;
  r = run_cli("eval --model " + std::string(FOVEA_FIXTURES_DIR) + "/pytorch_cnn_net.safetensors --data " + dir.path().string());
  expect_one_line_error(r, "t10k-images-idx3-ubyte");
}

TEST(InputChecks, AnEmptySplitIsRefused) {
  fovea::testing::TempDir dir;
  write_split(dir.path(), true, 0, 28, 28);
  write_split(dir.path(), false, 16, 28, 28);
  expect_one_line_error(run_cli("train --data " + dir.path().string() + kFlags),
                        dir / "train-images-idx3-ubyte" + ": holds no images");
}

TEST(InputChecks, MoreThreadsThanCoresWarnOnceAndUseTheCores) {
  fovea::testing::TempDir dir;
  write_split(dir.path(), true, 32, 28, 28);
  write_split(dir.path(), false, 16, 28, 28);
  CliResult r = run_cli("train --data " + dir.path().string() + " --epochs 1 --no-download --batch-size 16 --threads 1000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.rfind("fovea: warning: --threads 1000 is more than the ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.out.find("epoch:0,"), std::string::npos) << r.out;
}

// Address-space limit (ulimit -v) below what a batch of 60,000 needs: the 2.9 GB activation of
// the first convolution cannot be allocated, and the line says how much and what to change.
TEST(InputChecks, OutOfMemoryIsOneLineSayingHowMuchAndWhatToChange) {
  const std::string cmd = "ulimit -v 2500000 && exec " + std::string(FOVEA_CLI_PATH) + " train --data " + FOVEA_MNIST_DIR +
                          " --epochs 1 --no-download --threads 1 --batch-size 60000";
  CliResult limited = fovea::testing::run_shell(cmd);
  expect_one_line_error(limited, "out of memory allocating ");
  EXPECT_NE(limited.err.find("MiB"), std::string::npos) << limited.err;
  EXPECT_NE(limited.err.find("(--batch-size 60000; a smaller batch needs less)"), std::string::npos) << limited.err;
}
