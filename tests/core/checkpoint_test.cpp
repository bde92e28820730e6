// io::Checkpoint: a run saved mid-way and restored into fresh objects goes on exactly as the
// original does; files that are not complete checkpoints are refused with the file and the field.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using fovea::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// A few training steps of the seed's CNN (dropout included, so the generator matters).
void train_steps(models::CNNNet& model, optim::Optimizer& opt, int steps) {
  model.train();
  for (int s = 0; s < steps; ++s) {
    Tensor x = randn({8, 1, 28, 28});
    std::vector<int64_t> y;
    for (int i = 0; i < 8; ++i) y.push_back(int64_t(default_generator().below(10)));
    Tensor loss = cross_entropy(model(x), from_vector(y, {8}));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
}

std::string load_error(const std::string& path) {
  try {
    io::load_checkpoint(path);
  } catch (const IOError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Checkpoint, ResumeGoesOnExactly) {
  TempDir dir;
  const std::string path = dir / "run.ckpt";
  manual_seed(11);
  models::CNNNet model;
  optim::Adam opt(model.parameters(), {.lr = 1e-3});
  train_steps(model, opt, 3);
  io::Checkpoint c{.model = model.state_dict(),
                   .optimizer_type = "Adam",
                   .optimizer = opt.state_dict(),
                   .epoch = 1,
                   .step = 3,
                   .generators = {{"default", default_generator().get_state()}},
                   .metrics = {{{"train_loss", 2.25}, {"test_acc", 0.125}}},
                   .config = {{"optimizer", "adam"}, {"lr", "0.001"}}};
  io::save_checkpoint(path, c);
  train_steps(model, opt, 2);  // the original goes on

  io::Checkpoint loaded = io::load_checkpoint(path);
  EXPECT_EQ(loaded.optimizer_type, "Adam");
  EXPECT_EQ(loaded.epoch, 1);
  EXPECT_EQ(loaded.step, 3);
  EXPECT_EQ(loaded.metrics, c.metrics);
  EXPECT_EQ(loaded.config, c.config);
  EXPECT_EQ(loaded.optimizer.param_groups, c.optimizer.param_groups);  // 1e-3 etc. exactly
  manual_seed(99);  // a fresh process: other initial weights, another generator state
  models::CNNNet resumed;
  optim::Adam resumed_opt(resumed.parameters(), {.lr = 0.5});
  resumed.load_state_dict(loaded.model);
  resumed_opt.load_state_dict(loaded.optimizer);
  default_generator().set_state(loaded.generators.at("default"));
  train_steps(resumed, resumed_opt, 2);

  auto a = model.state_dict(), b = resumed.state_dict();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << a[i].first;
}

TEST(Checkpoint, RefusesFilesThatAreNotCompleteCheckpoints) {
  TempDir dir;
  models::CNNNet model;
  const std::string weights = dir / "weights.safetensors";
  io::save_safetensors(weights, model.state_dict());  // a weights file, not a checkpoint
  std::string err = load_error(weights);
  EXPECT_NE(err.find(weights), std::string::npos) << err;
  EXPECT_NE(err.find("no 'fovea.checkpoint'"), std::string::npos) << err;

  const std::string bad_epoch = dir / "bad_epoch.ckpt";
  io::save_safetensors(bad_epoch, {}, {{"fovea.checkpoint", "1"}, {"optimizer.type", "SGD"},
                                       {"optimizer.hyperparameters", "{}"}, {"epoch", "-2"}});
  EXPECT_NE(load_error(bad_epoch).find("'epoch' is '-2'"), std::string::npos);

  const std::string future = dir / "future.ckpt";
  io::save_safetensors(future, {}, {{"fovea.checkpoint", "7"}});
  EXPECT_NE(load_error(future).find("format '7'"), std::string::npos);

  const std::string stray = dir / "stray.ckpt";
  io::save_safetensors(stray, {{"weights", full({1}, 0)}}, {{"fovea.checkpoint", "1"}});
  EXPECT_NE(load_error(stray).find("'weights' is neither"), std::string::npos);

  const std::string torn = dir / "torn.ckpt";
  io::Checkpoint c{.model = model.state_dict(), .optimizer_type = "SGD"};
  io::save_checkpoint(torn, c);
  fs::resize_file(torn, fs::file_size(torn) / 2);
  EXPECT_NE(load_error(torn).find(torn), std::string::npos);
}

// A run killed (SIGKILL) while it writes its checkpoint, at many different moments: the file on
// disk always loads whole, as one of the checkpoints the run wrote, never a torn mix.
TEST(Checkpoint, KilledMidWriteTheLastCompleteCheckpointAlwaysLoads) {
  TempDir dir;
  const std::string path = dir / "ck.safetensors";
  manual_seed(4);
  models::CNNNet model;
  optim::Adam opt(model.parameters(), {.lr = 1e-3});
  train_steps(model, opt, 1);  // Adam's moments exist: a 2.5 MB file, long enough to be cut
  io::Checkpoint c{.model = model.state_dict(), .optimizer_type = "Adam", .optimizer = opt.state_dict(), .epoch = 0};
  io::save_checkpoint(path, c);
  int interrupted = 0;
  for (int round = 0; round < 25; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // write checkpoints of epoch 1, 2, 3, ... until killed
      for (int64_t epoch = 1;; ++epoch) {
        c.epoch = epoch;
        io::save_checkpoint(path, c);
      }
    }
    ::usleep(static_cast<useconds_t>(1000 + 1700 * round));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    io::Checkpoint loaded = io::load_checkpoint(path);  // throws on a torn file
    EXPECT_EQ(loaded.model.size(), c.model.size());
    EXPECT_EQ(loaded.optimizer.state.size(), c.optimizer.state.size());
    for (const auto& entry : fs::directory_iterator(dir.path()))
      if (entry.path() != path) {  // the killed writer's temporary: it was cut mid-write
        ++interrupted;
        fs::remove(entry.path());
      }
  }
  EXPECT_GT(interrupted, 0) << "no kill landed inside a write: the test proved nothing";
}

// A run whose loss diverged saves NaN and infinite metrics: they come back as they were (JSON has
// no such numbers; the file writes them as Python's json does).
TEST(Checkpoint, NonFiniteMetricsRoundTrip) {
  TempDir dir;
  const std::string path = dir / "ck.safetensors";
  models::CNNNet model;
  optim::SGD opt(model.parameters(), {.lr = 0.1});
  const double inf = std::numeric_limits<double>::infinity();
  io::Checkpoint c{.model = model.state_dict(), .optimizer_type = "SGD", .optimizer = opt.state_dict(), .epoch = 1,
                   .metrics = {{{"train_loss", std::nan("")}, {"test_loss", inf}, {"test_accuracy", -inf}}},
                   .config = {{"lr", "0.1"}}};
  c.partial_metrics = {{"loss_sum", std::nan("")}};
  io::save_checkpoint(path, c);
  io::Checkpoint loaded = io::load_checkpoint(path);
  ASSERT_EQ(loaded.metrics.size(), 1u);
  EXPECT_TRUE(std::isnan(loaded.metrics[0].at("train_loss")));
  EXPECT_EQ(loaded.metrics[0].at("test_loss"), inf);
  EXPECT_EQ(loaded.metrics[0].at("test_accuracy"), -inf);
  EXPECT_TRUE(std::isnan(loaded.partial_metrics.at("loss_sum")));
  c.config = {{"data", std::string("\xff\xfe")}};
  EXPECT_THROW(io::save_checkpoint(path, c), ValueError);
}
