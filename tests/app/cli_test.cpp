// The fovea command, run as a user would: bad flags and bad data give one clear line on stderr and
// a non-zero exit; a real epoch prints the seed's format.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "fovea/io/safetensors.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/precision.hpp"
#include "support/run_cli.hpp"
#include "support/temp_dir.hpp"

namespace {

using Result = fovea::testing::CliResult;
using fovea::testing::expect_one_line_error;
Result run(const std::string& args) { return fovea::testing::run_cli(args); }

const std::string kData = std::string("--data ") + FOVEA_MNIST_DIR;

}  // namespace

TEST(Cli, UnknownFlag) { expect_one_line_error(run("train --bogus 3 " + kData), "--bogus"); }
TEST(Cli, BatchSizeZero) { expect_one_line_error(run("train --batch-size 0 " + kData), "--batch-size"); }
TEST(Cli, NegativeLearningRate) { expect_one_line_error(run("train --lr -0.1 " + kData), "--lr"); }
TEST(Cli, NotANumber) { expect_one_line_error(run("train --epochs ten " + kData), "--epochs"); }
TEST(Cli, UnknownOptimizer) {
  Result r = run("train --optimizer lamb " + kData);
  expect_one_line_error(r, "--optimizer");
  EXPECT_NE(r.err.find("rmsprop"), std::string::npos) << "lists the valid names: " << r.err;
}
TEST(Cli, UnknownScheduler) {
  Result r = run("train --scheduler warmup " + kData);
  expect_one_line_error(r, "--scheduler");
  EXPECT_NE(r.err.find("onecycle"), std::string::npos) << "lists the valid names: " << r.err;
}
TEST(Cli, SchedulerFlagsOfAnotherSchedulerAreRefused) {
  expect_one_line_error(run("train --scheduler cosine --step-size 3 " + kData), "--step-size applies to --scheduler step");
  expect_one_line_error(run("train --gamma 0.5 " + kData), "--gamma applies to --scheduler step, multistep");
  expect_one_line_error(run("train --scheduler multistep " + kData), "needs --milestones");
  expect_one_line_error(run("train --weight-decay -1 " + kData), "--weight-decay");
}
TEST(Cli, MomentumWithAdamIsRefused) {
  expect_one_line_error(run("train --optimizer adam --momentum 0.9 " + kData), "--momentum");
}
TEST(Cli, UnknownPrecision) {
  Result r = run("train --precision fp16 " + kData);
  expect_one_line_error(r, "--precision");
  EXPECT_NE(r.err.find("bf16"), std::string::npos) << "lists the valid values: " << r.err;
}
// The notice comes before the data loads, so a missing data folder ends the run cheaply after it.
TEST(Cli, Bf16WithoutCpuSupportSaysSoAndRunsFp32) {
  auto dir = std::filesystem::temp_directory_path() / "fovea_cli_bf16_empty";
  std::filesystem::create_directories(dir);
  const std::string args = "train --precision bf16 --no-download --data " + dir.string();
  Result narrow = fovea::testing::run_shell("ONEDNN_MAX_CPU_ISA=AVX512_CORE " + std::string(FOVEA_CLI_PATH) + " " + args);
  EXPECT_NE(narrow.err.find("--precision bf16: this CPU has neither AVX512_BF16 nor AMX"), std::string::npos)
      << narrow.err;
  EXPECT_NE(narrow.err.find("runs in fp32"), std::string::npos) << narrow.err;
  Result here = run(args);
  EXPECT_EQ(here.err.find("AVX512_BF16") == std::string::npos, fovea::bf16_supported()) << here.err;
}
TEST(Cli, SaveIntoAMissingFolderFailsBeforeTraining) {
  Result r = run("train --save /nonexistent_fovea_dir/model.safetensors " + kData);
  expect_one_line_error(r, "/nonexistent_fovea_dir");
  EXPECT_EQ(r.out.find("start training"), std::string::npos) << "refused before training";
}
TEST(Cli, NoSubcommand) {
  Result r = run("");
  EXPECT_NE(r.exit_code, 0);
}

TEST(Cli, MissingDataWithoutDownloadNamesTheFile) {
  auto dir = std::filesystem::temp_directory_path() / "fovea_cli_empty";
  std::filesystem::create_directories(dir);
  expect_one_line_error(run("train --no-download --data " + dir.string()), "train-images-idx3-ubyte");
}

TEST(Cli, CorruptDataFileNamesTheFile) {
  auto dir = std::filesystem::temp_directory_path() / "fovea_cli_corrupt";
  std::filesystem::create_directories(dir);
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"})
    std::ofstream(dir / name, std::ios::binary) << "not an idx file";
  expect_one_line_error(run("train --no-download --data " + dir.string()), "idx");
}

TEST(Cli, OneEpochPrintsTheSeedsFormatAndLearns) {
  fovea::testing::TempDir dir;
  const std::string saved = dir / "model.safetensors";
  Result r = run("train --epochs 1 --threads 2 --save " + saved + " " + kData);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CNN_net(\n  (conv1): Sequential("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("start training...\n"), std::string::npos);
  std::smatch m;
  std::regex line(R"(epoch:0,Train Loss:(\d+\.\d{4}),Train Acc:(\d\.\d{4}),Test Loss:(\d+\.\d{4}),Test Acc:(\d\.\d{4})\n)");
  ASSERT_TRUE(std::regex_search(r.out, m, line)) << r.out;
  EXPECT_GT(std::stod(m[4]), 0.85) << "test accuracy after one epoch";
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(time is:\d+\.\d{4}s\n)")));
  EXPECT_NE(r.out.find("end training."), std::string::npos);
  // --save: the weights under PyTorch's keys, loadable into the seed's model.
  fovea::models::CNNNet model;
  model.load_state_dict(fovea::io::load_safetensors(saved));
}

// ---- fovea export ----

namespace {

// An untrained CNN_net's weights, as `fovea train --save` writes them.
std::string save_untrained_cnn(const fovea::testing::TempDir& dir) {
  const std::string path = dir / "model.safetensors";
  fovea::models::CNNNet model;
  fovea::io::save_safetensors(path, model.state_dict());
  return path;
}

}  // namespace

TEST(CliExport, WritesTheOnnxFileAndSaysSoInOneLine) {
  fovea::testing::TempDir dir;
  const std::string model = save_untrained_cnn(dir), onnx = dir / "model.onnx";
  Result r = run("export --model " + model + " --onnx " + onnx);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("wrote " + onnx), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("opset 13"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::to_string(std::filesystem::file_size(onnx)) + " bytes"), std::string::npos) << r.out;
}

TEST(CliExport, OpsetSeventeenIsAccepted) {
  fovea::testing::TempDir dir;
  Result r = run("export --opset 17 --model " + save_untrained_cnn(dir) + " --onnx " + (dir / "m.onnx"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("opset 17"), std::string::npos) << r.out;
}

TEST(CliExport, OpsetOutsideThirteenToSeventeenIsRefused) {
  fovea::testing::TempDir dir;
  const std::string model = save_untrained_cnn(dir);
  for (const char* opset : {"12", "18"}) {
    expect_one_line_error(run(std::string("export --opset ") + opset + " --model " + model + " --onnx " + (dir / "m.onnx")),
                          "--opset");
    EXPECT_FALSE(std::filesystem::exists(dir / "m.onnx"));
  }
}

TEST(CliExport, RequiresModelAndOnnx) {
  fovea::testing::TempDir dir;
  expect_one_line_error(run("export --onnx " + (dir / "m.onnx")), "--model");
  expect_one_line_error(run("export --model " + save_untrained_cnn(dir)), "--onnx");
}

TEST(CliExport, MissingModelFileIsNamedAndNothingIsWritten) {
  fovea::testing::TempDir dir;
  const std::string onnx = dir / "m.onnx";
  expect_one_line_error(run("export --model " + (dir / "absent.safetensors") + " --onnx " + onnx), "absent.safetensors");
  EXPECT_FALSE(std::filesystem::exists(onnx));
}

TEST(CliExport, ModelOfAnotherArchitectureIsRefusedAndNothingIsWritten) {
  fovea::testing::TempDir dir;
  const std::string model = dir / "other.safetensors", onnx = dir / "m.onnx";
  fovea::nn::Linear other(784, 10);
  fovea::io::save_safetensors(model, other.state_dict());  // keys "weight", "bias": not CNN_net's
  expect_one_line_error(run("export --model " + model + " --onnx " + onnx), "other.safetensors");
  EXPECT_FALSE(std::filesystem::exists(onnx));
}

TEST(CliExport, MissingOutputFolderIsRefusedBeforeLoading) {
  fovea::testing::TempDir dir;
  const std::string onnx = (dir.path() / "no_such_folder" / "m.onnx").string();
  expect_one_line_error(run("export --model " + save_untrained_cnn(dir) + " --onnx " + onnx), "no_such_folder");
  EXPECT_FALSE(std::filesystem::exists(dir / "no_such_folder"));
}
