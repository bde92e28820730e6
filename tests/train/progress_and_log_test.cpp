// The progress line (train/progress.hpp) and the metrics log (train/metrics_log.hpp), driven with
// made-up steps: what the line says and that it is redrawn in place and erased before the epoch's
// own lines; what the log holds, flushed line by line; and a log on a full disk, which warns once
// and lets training go on.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/tensor.hpp"
#include "fovea/train/metrics_log.hpp"
#include "fovea/train/progress.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;

namespace {

// A batch of `n` examples whose logits favour class 0, all labelled 0: every prediction right.
struct FakeBatch {
  data::Batch batch;
  Tensor logits;
  explicit FakeBatch(int64_t n) : logits(zeros({n, 10})) {
    batch.images = zeros({n, 1, 28, 28});
    batch.targets = zeros({n}, kInt64);
    for (int64_t i = 0; i < n; ++i) logits.data()[i * 10] = 5.0f;
  }
};

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;) out += static_cast<char>(c);
  return out;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST(ProgressLine, SaysTheEpochBatchesRateLossAccuracyAndTimes) {
  EXPECT_EQ(train::ProgressLine::format(2, "train", 120, 469, 5120.4, 0.31244, 0.90512, 4.2, 12.4),
            "epoch 2 train 120/469  5120 img/s  loss 0.3124  acc 0.9051  0:04<0:12");
  EXPECT_EQ(train::ProgressLine::format(0, "test", 7, 79, 20000, 0.5, 0.875, 3725, NAN),
            "epoch 0 test   7/79  20000 img/s  loss 0.5000  acc 0.8750  1:02:05<?");
}

TEST(ProgressLine, RedrawsInPlaceCutToTheWidthAndIsErasedBeforeTheEpochLines) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  train::ProgressLine line(out, /*min_interval_seconds=*/0.0, /*width=*/40);
  FakeBatch b(8);
  train::MetricsAccumulator running;
  line.on_epoch_begin(0, 0, 2);
  for (int64_t step = 1; step <= 2; ++step) {
    running.add(0.25, b.logits, b.batch.targets);
    line.on_train_step({0, step, 2, step, 0.25, b.batch, running});
  }
  train::MetricsAccumulator eval;
  line.on_eval_begin(0, 1);
  eval.add(0.5, b.logits, b.batch.targets);
  line.on_eval_batch({0, 1, 1, b.batch, b.logits, eval});
  const std::string text = read_all(out);
  std::fclose(out);
  // Three drawings, each "\r" + at most 39 characters + erase-to-end, then the erasing "\r\033[K".
  std::vector<std::string> drawn;
  for (size_t at = text.find('\r'); at != std::string::npos;) {
    const size_t next = text.find('\r', at + 1);
    drawn.push_back(text.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1));
    at = next;
  }
  ASSERT_EQ(drawn.size(), 4u) << text;
  EXPECT_EQ(drawn[0].rfind("epoch 0 train 1/2", 0), 0u) << drawn[0];
  EXPECT_EQ(drawn[1].rfind("epoch 0 train 2/2", 0), 0u) << drawn[1];
  EXPECT_EQ(drawn[2].rfind("epoch 0 test  1/1", 0), 0u) << drawn[2];
  EXPECT_EQ(drawn[3], "\033[K");
  for (const std::string& d : drawn) EXPECT_LE(d.size(), 39u + 3u) << d;  // the text, then ESC [ K
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST(ProgressLine, DrawsAtMostOnceAnIntervalButAlwaysTheLastStep) {
  std::FILE* out = std::tmpfile();
  train::ProgressLine line(out, /*min_interval_seconds=*/3600.0, /*width=*/120);
  FakeBatch b(4);
  train::MetricsAccumulator running;
  line.on_epoch_begin(0, 0, 100);
  for (int64_t step = 1; step <= 100; ++step) {
    running.add(0.1, b.logits, b.batch.targets);
    line.on_train_step({0, step, 100, step, 0.1, b.batch, running});
  }
  line.clear();
  const std::string text = read_all(out);
  std::fclose(out);
  EXPECT_NE(text.find("1/100"), std::string::npos);
  EXPECT_NE(text.find("100/100"), std::string::npos);
  EXPECT_EQ(text.find("50/100"), std::string::npos);  // within the hour: not drawn
}

TEST(MetricsLog, WritesAnEpochRecordAndEveryNthStepAsJsonLines) {
  fovea::testing::TempDir dir;
  Tensor w = zeros({2});
  optim::SGD sgd({w}, {.lr = 0.05});
  const std::string path = dir / "runs/a/metrics.jsonl";  // folders made as needed
  {
    train::MetricsLog log(path, sgd, /*log_every=*/2);
    FakeBatch b(4);
    train::MetricsAccumulator running;
    for (int64_t step = 1; step <= 5; ++step) log.on_train_step({0, step, 5, step, 0.5 / step, b.batch, running});
    train::EpochReport report{0, {0.4, 0.75, 20}, {0.3, 0.875, 8}, 2.5, 5, 2.0, 0.5, 20};
    log.on_epoch_end(report);
    // Flushed as written: the lines are there before the log is closed.
    ASSERT_EQ(lines_of(path).size(), 3u);
  }
  const auto lines = lines_of(path);
  const auto step2 = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(step2["step"], 2);
  EXPECT_DOUBLE_EQ(step2["loss"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(step2["lr"].get<double>(), 0.05);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["step"], 4);
  const auto epoch = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(epoch["epoch"], 0);
  EXPECT_EQ(epoch["step"], 5);
  EXPECT_DOUBLE_EQ(epoch["train_loss"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(epoch["train_accuracy"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(epoch["test_loss"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(epoch["test_accuracy"].get<double>(), 0.875);
  EXPECT_DOUBLE_EQ(epoch["seconds"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(epoch["images_per_second"].get<double>(), 10.0);  // 20 training images in 2 s
  // A second run appends.
  {
    train::MetricsLog again(path, sgd);
    again.on_epoch_end({1, {}, {}, 3.0, 6, 0.5, 0.5});
  }
  EXPECT_EQ(lines_of(path).size(), 4u);
}

TEST(MetricsLog, AFolderThatCannotBeMadeIsRefusedNamingIt) {
  fovea::testing::TempDir dir;
  Tensor w = zeros({1});
  optim::SGD sgd({w}, {});
  std::ofstream(dir / "file") << "x";
  try {
    train::MetricsLog log(dir / "file/metrics.jsonl", sgd);
    FAIL() << "no error";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "file/metrics.jsonl"), std::string::npos) << e.what();
  }
  EXPECT_THROW(train::MetricsLog(dir.path().string(), sgd), IOError);  // a folder, not a file
}

TEST(MetricsLog, AFullDiskIsReportedOnceAndTheRunGoesOn) {
  Tensor w = zeros({1});
  optim::SGD sgd({w}, {});
  train::MetricsLog log("/dev/full", sgd, 1);
  FakeBatch b(2);
  train::MetricsAccumulator running;
  ::testing::internal::CaptureStderr();
  for (int64_t step = 1; step <= 3; ++step) log.on_train_step({0, step, 3, step, 1.0, b.batch, running});
  log.on_epoch_end({0, {}, {}, 1.0, 3, 0.5, 0.5});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "fovea: warning: stopped writing the metrics log /dev/full: cannot write (No space left on device); "
                 "training goes on without it\n");
}
