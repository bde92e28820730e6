// Checkpoints with several parameter groups and a scheduler: group 0 stays where a checkpoint of
// one group has always kept it ("optimizer.hyperparameters"), groups 1.. and the scheduler's state
// go beside it, and all of it reads back exactly.
#include <gtest/gtest.h>

#include "fovea/io/checkpoint.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/optim/scheduler.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;

TEST(CheckpointGroups, EveryGroupAndTheSchedulerReadBack) {
  fovea::testing::TempDir dir;
  const std::string path = dir / "groups.ckpt";
  Tensor a = zeros({2}).requires_grad_(), b = zeros({3}).requires_grad_();
  optim::AdamW adamw(std::vector<optim::AdamW::Group>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.01, .amsgrad = true}}});
  optim::CosineAnnealingLR cosine(adamw, 10, 1e-4);
  a.set_grad(ones({2}));
  b.set_grad(ones({3}));
  adamw.step();
  cosine.step();
  io::Checkpoint c;
  c.optimizer_type = "AdamW";
  c.optimizer = adamw.state_dict();
  c.scheduler = cosine.state_dict();
  io::save_checkpoint(path, c);

  const auto metadata = io::read_safetensors(path).metadata;
  EXPECT_EQ(metadata.count("optimizer.hyperparameters"), 1u);
  EXPECT_EQ(metadata.count("optimizer.param_groups.1"), 1u);
  EXPECT_EQ(metadata.count("optimizer.param_groups.0"), 0u);  // group 0 is the old field
  EXPECT_EQ(metadata.at("scheduler.type"), "CosineAnnealingLR");

  io::Checkpoint loaded = io::load_checkpoint(path);
  EXPECT_EQ(loaded.optimizer.param_groups, c.optimizer.param_groups);
  EXPECT_EQ(loaded.scheduler, c.scheduler);

  // Into fresh objects: the next lrs are the original's, bit for bit.
  Tensor a2 = zeros({2}).requires_grad_(), b2 = zeros({3}).requires_grad_();
  optim::AdamW resumed(std::vector<optim::AdamW::Group>{{{a2}, {.lr = 0.1}}, {{b2}, {.lr = 0.01}}});
  optim::CosineAnnealingLR resumed_cosine(resumed, 10, 1e-4);
  resumed.load_state_dict(loaded.optimizer);
  resumed_cosine.load_state_dict(loaded.scheduler);
  EXPECT_TRUE(resumed.options(1).amsgrad);
  for (int s = 0; s < 5; ++s) {
    cosine.step();
    resumed_cosine.step();
    EXPECT_EQ(resumed.lr(0), adamw.lr(0));
    EXPECT_EQ(resumed.lr(1), adamw.lr(1));
  }
}

TEST(CheckpointGroups, ACheckpointOfOneGroupHasNoExtraFields) {
  // Byte for byte what the format wrote before groups: old readers read it, old files read here.
  fovea::testing::TempDir dir;
  const std::string path = dir / "one.ckpt";
  Tensor a = zeros({2}).requires_grad_();
  optim::SGD sgd({a}, {.lr = 0.1});
  io::Checkpoint c;
  c.optimizer_type = "SGD";
  c.optimizer = sgd.state_dict();
  io::save_checkpoint(path, c);
  for (auto& [key, value] : io::read_safetensors(path).metadata) {
    EXPECT_EQ(key.rfind("optimizer.param_groups", 0), std::string::npos) << key;
    EXPECT_EQ(key.rfind("scheduler.", 0), std::string::npos) << key;
  }
  EXPECT_EQ(io::load_checkpoint(path).optimizer.param_groups, c.optimizer.param_groups);
}
