// fovea train --checkpoint / --resume and fovea eval, run as a user would, on a small copy of
// MNIST (the first 1,024 training and 256 test images) so that several runs fit in seconds:
// a resumed run prints the same epoch lines as one that never stopped, with SGD and with Adam;
// eval prints the figures of the last epoch line; every bad input is one line, a non-zero exit
// and no file written or changed.
#include <gtest/gtest.h>

#include <fstream>

#include <signal.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "fovea/data/mnist.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/tensor.hpp"
#include "support/idx_files.hpp"
#include "support/run_cli.hpp"
#include "support/small_mnist.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using fovea::testing::CliResult;
using fovea::testing::expect_one_line_error;
using fovea::testing::read_bytes;
using fovea::testing::run_cli;
using fovea::testing::write_small_split;

namespace {

class TrainEval : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir = dir / "mnist";
    std::filesystem::create_directory(data_dir);
    write_small_split(data_dir, true, 1024);
    write_small_split(data_dir, false, 256);
  }
  // The flags every run here shares: the small data, a fixed thread count (the figures are
  // bit-identical only for the same one) and batches that give 16 steps an epoch.
  std::string common() const { return " --data " + data_dir + " --no-download --threads 2 --fixed-threads --batch-size 64 --test-batch-size 64"; }

  fovea::testing::TempDir dir;
  std::string data_dir;
};

}  // namespace

TEST_F(TrainEval, ResumedRunsPrintTheSameEpochLinesAsOneThatNeverStopped) {
  // The optimizer and scheduler flags of each run ("plateau" steps on the test loss; cosine gets a
  // --t-max: by default it anneals over --epochs, which differ between the runs here).
  const std::vector<std::string> configurations = {
      "sgd", "adam", "adamw --scheduler step --step-size 1 --gamma 0.5",
      "rmsprop --weight-decay 0.001 --scheduler cosine --t-max 4", "sgd --scheduler plateau --patience 0 --gamma 0.5"};
  for (size_t k = 0; k < configurations.size(); ++k) {
    const std::string optimizer = configurations[k];
    SCOPED_TRACE(optimizer);
    const std::string ck = dir / ("ck_" + std::to_string(k) + ".safetensors");
    CliResult whole = run_cli("train --epochs 4 --optimizer " + optimizer + common());
    CliResult first = run_cli("train --epochs 2 --optimizer " + optimizer + " --checkpoint " + ck + common());
    // The resumed run takes the optimizer and the other settings from the checkpoint.
    CliResult second = run_cli("train --resume " + ck + " --epochs 4" + common());
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    ASSERT_EQ(first.exit_code, 0) << first.err;
    ASSERT_EQ(second.exit_code, 0) << second.err;
    std::vector<std::string> resumed = first.lines_starting("epoch:");
    for (const std::string& line : second.lines_starting("epoch:")) resumed.push_back(line);
    ASSERT_EQ(whole.lines_starting("epoch:").size(), 4u) << whole.out;
    EXPECT_EQ(resumed, whole.lines_starting("epoch:"));
    EXPECT_NE(second.out.find("resuming from " + ck + " after epoch 1 (step 32)"), std::string::npos) << second.out;
  }
}

TEST_F(TrainEval, EvalPrintsTheFiguresOfTheLastEpochLine) {
  const std::string model = dir / "model.safetensors";
  CliResult train = run_cli("train --epochs 2 --save " + model + common());
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const std::string last = train.lines_starting("epoch:").back();  // epoch:1,...,Test Loss:x,Test Acc:y
  const std::string figures = last.substr(last.find("Test Loss:"));
  CliResult eval = run_cli("eval --model " + model + " --data " + data_dir + " --no-download --threads 2 --batch-size 64");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.out.find(figures + " ("), std::string::npos) << figures << "\n" << eval.out;
  EXPECT_NE(eval.out.find("per-class accuracy:\n  0 - zero"), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("confusion matrix (rows: true class, columns: predicted class):"), std::string::npos);
  // The confusion matrix holds every test image once.
  const std::string logits = dir / "logits.safetensors";
  CliResult with_logits = run_cli("eval --model " + model + " --data " + data_dir + " --limit 100 --logits " + logits);
  ASSERT_EQ(with_logits.exit_code, 0) << with_logits.err;
  auto tensors = io::load_safetensors(logits);
  EXPECT_EQ(tensors.at("logits").shape(), (Shape{100, 10}));
  EXPECT_EQ(tensors.at("targets").shape(), (Shape{100}));
}

TEST_F(TrainEval, AnotherModelIsTrainedSavedResumedAndEvaluatedByName) {
  // --model lenet5: printed, learned, saved under its name, and eval/export rebuild it from that.
  const std::string weights = dir / "lenet.safetensors", ck = dir / "lenet_ck.safetensors";
  CliResult train = run_cli("train --model lenet5 --optimizer adam --epochs 2 --save " + weights + common());
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_NE(train.out.find("LeNet5(\n  (features): Sequential("), std::string::npos) << train.out;
  EXPECT_EQ(io::read_safetensors(weights).metadata.at("fovea.model"), "lenet5");
  const std::string last = train.lines_starting("epoch:").back();
  CliResult eval = run_cli("eval --model " + weights + " --data " + data_dir + " --no-download --threads 2 --batch-size 64");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.out.find(last.substr(last.find("Test Loss:")) + " ("), std::string::npos) << last << "\n" << eval.out;
  CliResult onnx = run_cli("export --model " + weights + " --onnx " + (dir / "lenet.onnx"));
  EXPECT_EQ(onnx.exit_code, 0) << onnx.err;
  // A checkpoint records the model: the resumed run builds LeNet5 without being told, and goes
  // on exactly; asking for another model is refused.
  CliResult whole = run_cli("train --model lenet5-relu --epochs 2" + common());
  ASSERT_EQ(run_cli("train --model lenet5-relu --epochs 1 --checkpoint " + ck + common()).exit_code, 0);
  CliResult second = run_cli("train --resume " + ck + " --epochs 2" + common());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.lines_starting("epoch:").back(), whole.lines_starting("epoch:").back());
  expect_one_line_error(run_cli("train --resume " + ck + " --epochs 2 --model cnn" + common()), "model");
  // Weights of LeNet5 are not the seed's CNN: visualize, which draws CNN_net's layers, says so.
  expect_one_line_error(run_cli("visualize --model " + weights + " --image " + FOVEA_FIXTURES_DIR +
                                "/mnist_test_0_seven.png --out " + (dir / "pictures")),
                        "holds the weights of lenet5, not of the seed's CNN_net");
  expect_one_line_error(run_cli("train --model resnet" + common()), "--model");
}

TEST_F(TrainEval, LabelSmoothingChangesTheTrainingLossAndResumesExactly) {
  auto train_loss = [](const CliResult& r) {
    const std::string line = r.lines_starting("epoch:").front();
    return std::stod(line.substr(line.find("Train Loss:") + 11));
  };
  // A rate at which 16 steps move the model off uniform predictions (where both losses are ln 10,
  // and which one is higher is down to the dropout masks).
  CliResult plain = run_cli("train --epochs 1 --lr 0.01" + common());
  CliResult smooth = run_cli("train --epochs 1 --lr 0.01 --label-smoothing 0.2" + common());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(smooth.exit_code, 0) << smooth.err;
  // The smoothed targets keep the loss away from 0: higher than the plain loss of the same run.
  EXPECT_GT(train_loss(smooth), train_loss(plain));
  const std::string ck = dir / "smooth.safetensors";
  CliResult whole = run_cli("train --epochs 2 --label-smoothing 0.2" + common());
  ASSERT_EQ(run_cli("train --epochs 1 --label-smoothing 0.2 --checkpoint " + ck + common()).exit_code, 0);
  CliResult second = run_cli("train --resume " + ck + " --epochs 2" + common());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.lines_starting("epoch:").back(), whole.lines_starting("epoch:").back());
  expect_one_line_error(run_cli("train --label-smoothing 1.5" + common()), "--label-smoothing");
}

TEST_F(TrainEval, AugmentedRunsAreReproducibleAndResumeExactly) {
  const std::string flags = " --augment affine,crop,erasing --epochs 2" + common();
  CliResult a = run_cli("train" + flags), b = run_cli("train" + flags), plain = run_cli("train --epochs 2" + common());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.lines_starting("epoch:"), b.lines_starting("epoch:")) << "the same seed, the same augmentations";
  EXPECT_NE(a.lines_starting("epoch:").back(), plain.lines_starting("epoch:").back()) << "augmentation changes the run";
  const std::string ck = dir / "augment.safetensors";
  ASSERT_EQ(run_cli("train --augment affine,crop,erasing --epochs 1 --checkpoint " + ck + common()).exit_code, 0);
  CliResult second = run_cli("train --resume " + ck + " --epochs 2" + common());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.lines_starting("epoch:").back(), a.lines_starting("epoch:").back());
  expect_one_line_error(run_cli("train --augment rotate" + common()),
                        "--augment: unknown transform 'rotate'; expected hflip, crop, affine, jitter or erasing");
}

TEST_F(TrainEval, ImageFolderDatasetTrainsAndEvaluatesWithItsClassNames) {
  // Three classes of small gray pictures (bright left half, bright right half, dark), 20 x 24, in
  // train/ and test/: made 28 x 28 by the dataset, learned in a few epochs.
  const std::filesystem::path root = dir.path() / "pictures";
  auto picture = [](int kind, int variant) {
    const std::string header = "P5\n24 20\n255\n";
    std::vector<uint8_t> bytes(header.begin(), header.end());
    for (int y = 0; y < 20; ++y)
      for (int x = 0; x < 24; ++x) {
        const bool bright = kind == 0 ? x < 12 : kind == 1 ? x >= 12 : false;
        bytes.push_back(static_cast<uint8_t>((bright ? 200 : 20) + (x * 7 + y * 3 + variant * 11) % 40));
      }
    return bytes;
  };
  const char* names[] = {"left", "right", "dark"};
  for (const char* split : {"train", "test"})
    for (int kind = 0; kind < 3; ++kind) {
      std::filesystem::create_directories(root / split / names[kind]);
      for (int v = 0; v < (std::string(split) == "train" ? 30 : 6); ++v)
        fovea::testing::write_bytes((root / split / names[kind] / ("p" + std::to_string(v) + ".pgm")).string(),
                                    picture(kind, v));
    }
  const std::string weights = dir / "folder.safetensors";
  const std::string data = " --dataset imagefolder --data " + root.string() + " --threads 2 --batch-size 16";
  CliResult train = run_cli("train --epochs 3 --optimizer adam --save " + weights + data);
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_NE(train.lines_starting("epoch:").back().find("Test Acc:1.0000"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("Linear(in_features=128, out_features=3, bias=True)"), std::string::npos)
      << "one output per class folder: " << train.out;
  CliResult eval = run_cli("eval --model " + weights + " --dataset imagefolder --data " + root.string());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.out.find("dark"), std::string::npos) << eval.out;
  // predict prepares a picture as the folder's were (resized, not centred as a digit) and names its class.
  CliResult predict = run_cli("predict --model " + weights + " " + (root / "test" / "left" / "p0.pgm").string());
  ASSERT_EQ(predict.exit_code, 0) << predict.err;
  EXPECT_NE(predict.out.find("p0.pgm: left (p="), std::string::npos) << predict.out;
  CliResult as_json = run_cli("predict --json --top 2 --model " + weights + " " + (root / "test" / "dark").string());
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_NE(as_json.out.find("\"class\":\"dark\""), std::string::npos) << as_json.out;
  std::filesystem::rename(root / "test" / "dark", root / "test" / "black");
  expect_one_line_error(run_cli("train --epochs 1" + data), "only in " + (root / "train").string() + ": dark");
  expect_one_line_error(run_cli("eval --model " + weights + " --dataset imagefolder --data " + root.string()),
                        "was trained on the classes dark, left, right, but the test split's are black, left, right");
  expect_one_line_error(run_cli("train --epochs 1 --dataset kmnist --threads 2"), "--dataset kmnist needs --data DIR");
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST_F(TrainEval, AModelFileTrainsSavesResumesAndLoadsWithoutIt) {
  const std::string model_file = dir / "small.model";
  write_text(model_file, std::string("# small\nConv2d(1, 8, 5)\nBatchNorm2d(8)\nReLU()\nMaxPool2d(4)\n"
                                                      "Flatten()\nLinear(288, 10)\n"));
  const std::string weights = dir / "file_model.safetensors", ck = dir / "file_ck.safetensors";
  CliResult whole = run_cli("train --epochs 2 --model-file " + model_file + " --save " + weights + common());
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(whole.out.find("(1): BatchNorm2d(8, eps=1e-05"), std::string::npos) << whole.out;
  // The checkpoint keeps the description: --resume needs no --model-file and ends where the whole run did.
  ASSERT_EQ(run_cli("train --epochs 1 --model-file " + model_file + " --checkpoint " + ck + common()).exit_code, 0);
  std::filesystem::remove(model_file);
  CliResult resumed = run_cli("train --resume " + ck + " --epochs 2" + common());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.lines_starting("epoch:").back(), whole.lines_starting("epoch:").back());
  CliResult eval = run_cli("eval --model " + weights + " --data " + data_dir + " --no-download --threads 2 --batch-size 64");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const std::string last = whole.lines_starting("epoch:").back();
  EXPECT_NE(eval.out.find(last.substr(last.find("Test Acc:") + 9, 6)), std::string::npos) << eval.out << last;
  // A description that does not fit, or names a layer fovea lacks, is one line naming the file and line.
  write_text(model_file, std::string("Conv2d(1, 8, 5)\nFlatten()\nLinear(100, 10)\n"));
  expect_one_line_error(run_cli("train --epochs 1 --model-file " + model_file + common()), model_file + ":3:");
  write_text(model_file, std::string("Conv2d(1, 8, 5)\nSwish()\n"));
  expect_one_line_error(run_cli("train --epochs 1 --model-file " + model_file + common()),
                        model_file + ":2: unknown layer 'Swish'");
  expect_one_line_error(run_cli("train --epochs 1 --model-file " + model_file + " --model lenet5" + common()),
                        "--model excludes --model-file");
  expect_one_line_error(run_cli("train --epochs 1 --model-file " + (dir / "missing.model") + common()),
                        "missing.model");
}

TEST_F(TrainEval, TheFastRecipeExpandsToItsFlagsAndTheyCanBeOverridden) {
  CliResult fast = run_cli("train --recipe fast --checkpoint " + (dir / "fast.safetensors") + common());
  ASSERT_EQ(fast.exit_code, 0) << fast.err;
  EXPECT_EQ(fast.lines_starting("epoch:").size(), 1u) << "one epoch";
  EXPECT_NE(fast.out.find("(1): BatchNorm2d(16"), std::string::npos) << fast.out;
  CliResult two = run_cli("train --recipe fast --epochs 2" + common());
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(two.lines_starting("epoch:").size(), 2u) << "--epochs overrides the recipe's";
  expect_one_line_error(run_cli("train --recipe slow" + common()), "--recipe");
}

TEST_F(TrainEval, ACheckpointFromAnotherConfigurationIsRefusedAndLeftAlone) {
  const std::string ck = dir / "ck.safetensors";
  ASSERT_EQ(run_cli("train --epochs 1 --checkpoint " + ck + common()).exit_code, 0);
  const std::vector<uint8_t> before = read_bytes(ck);
  expect_one_line_error(run_cli("train --resume " + ck + " --epochs 2 --checkpoint " + ck + common() + " --lr 0.1"),
                        "lr 0.001 in the checkpoint, 0.1 here");
  expect_one_line_error(run_cli("train --resume " + ck + " --epochs 2 --optimizer adam" + common()), "optimizer");
  expect_one_line_error(run_cli("train --resume " + ck + " --epochs 1" + common()), "1 epochs done already");
  expect_one_line_error(run_cli("train --resume " + ck + " --epochs 2 --scheduler step" + common()),
                        "scheduler step here, not in the checkpoint");
  EXPECT_EQ(read_bytes(ck), before) << "a refused resume changed the checkpoint";
  // OneCycleLR is sized for --epochs: resuming it for more epochs is another schedule.
  const std::string one_cycle = dir / "one_cycle.safetensors";
  ASSERT_EQ(run_cli("train --epochs 1 --scheduler onecycle --checkpoint " + one_cycle + common()).exit_code, 0);
  expect_one_line_error(run_cli("train --resume " + one_cycle + " --epochs 2" + common()), "'total_steps' is 16");
}

TEST_F(TrainEval, BadModelAndCheckpointFilesAreOneLineEach) {
  const std::string weights = dir / "model.safetensors";
  ASSERT_EQ(run_cli("train --epochs 1 --save " + weights + common()).exit_code, 0);
  // Weights are not a checkpoint.
  expect_one_line_error(run_cli("train --resume " + weights + " --epochs 2" + common()), "not a complete fovea checkpoint");
  // Another architecture: a model whose layers have other shapes and names.
  const std::string other = dir / "other.safetensors";
  io::save_safetensors(other, {{"fc.weight", zeros({10, 784})}, {"conv1.0.weight", zeros({8, 1, 5, 5})}});
  expect_one_line_error(run_cli("eval --model " + other + " --data " + data_dir), "not the weights of the seed's CNN_net");
  // Truncated: half of a good file.
  std::vector<uint8_t> bytes = read_bytes(weights);
  bytes.resize(bytes.size() / 2);
  const std::string truncated = dir / "truncated.safetensors";
  fovea::testing::write_bytes(truncated, bytes);
  expect_one_line_error(run_cli("eval --model " + truncated + " --data " + data_dir), truncated);
  expect_one_line_error(run_cli("train --resume " + truncated + " --epochs 2" + common()), truncated);
  // Not a model at all, and no file.
  const std::string text = dir / "notes.txt";
  fovea::testing::write_bytes(text, {'h', 'e', 'l', 'l', 'o', '\n'});
  expect_one_line_error(run_cli("eval --model " + text + " --data " + data_dir), text);
  expect_one_line_error(run_cli("eval --model " + dir / "missing.safetensors" + " --data " + data_dir), "missing.safetensors");
  // An output that cannot be written is refused before any work, and nothing appears.
  expect_one_line_error(run_cli("eval --model " + weights + " --data " + data_dir + " --logits " + dir / "no/such/l.safetensors"),
                        "--logits");
  expect_one_line_error(run_cli("train --epochs 1 --checkpoint " + dir / "no/ck.safetensors" + common()), "--checkpoint");
  EXPECT_FALSE(std::filesystem::exists(dir / "no"));
}

// Ctrl-C in the middle of an epoch: the step under way finishes, the checkpoint holds that point,
// the exit status is 130, and the resumed run prints the epoch lines of a run never stopped.
// SIGTERM without --checkpoint: 143, and neither a checkpoint nor the --save file appears.
TEST_F(TrainEval, InterruptedMidEpochTheCheckpointGoesOnExactly) {
  const std::string long_epochs = dir / "long";
  std::filesystem::create_directory(long_epochs);
  write_small_split(long_epochs, true, 2048);
  write_small_split(long_epochs, false, 256);
  // 128 steps an epoch: the signal lands early in the first. OneCycleLR steps after every batch,
  // so the resumed run's lrs (and Adam's beta1, which it cycles) must come back mid-epoch too.
  const std::string flags = " --data " + long_epochs +
                            " --no-download --threads 2 --fixed-threads --batch-size 16 --optimizer adamw --scheduler onecycle";
  const std::string ck = dir / "ck.safetensors";
  CliResult whole = run_cli("train --epochs 2" + flags);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  auto split = [](const std::string& s) {
    std::vector<std::string> words;
    std::istringstream in(s);
    for (std::string w; in >> w;) words.push_back(w);
    return words;
  };
  CliResult stopped = fovea::testing::run_cli_and_signal(split("train --epochs 2 --checkpoint " + ck + flags), SIGINT);
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_NE(stopped.err.find("fovea: stopped by SIGINT after step "), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find(" of epoch 0; checkpoint " + ck + " holds this point"), std::string::npos) << stopped.err;
  EXPECT_TRUE(stopped.lines_starting("epoch:").empty()) << stopped.out;
  CliResult resumed = run_cli("train --resume " + ck + " --epochs 2" + flags);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming from " + ck + " at step "), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.lines_starting("epoch:"), whole.lines_starting("epoch:"));

  const std::string saved = dir / "never.safetensors", ck2 = dir / "ck2.safetensors";
  CliResult terminated = fovea::testing::run_cli_and_signal(split("train --epochs 2 --save " + saved + flags), SIGTERM);
  EXPECT_EQ(terminated.exit_code, 143) << terminated.err;
  EXPECT_NE(terminated.err.find("fovea: stopped by SIGTERM after step "), std::string::npos) << terminated.err;
  EXPECT_NE(terminated.err.find("no --checkpoint, so nothing was saved; --save " + saved + " not written"),
            std::string::npos) << terminated.err;
  EXPECT_FALSE(std::filesystem::exists(saved));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << "a temporary was left: " << entry.path();
}
