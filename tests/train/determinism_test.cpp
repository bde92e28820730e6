// One seed and one thread count fix the run: two trainings give the same losses bit for bit.
#include <gtest/gtest.h>

#include <cstring>

#include "fovea/data/dataloader.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/ops.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/random.hpp"
#include "fovea/threads.hpp"
#include "fovea/train/trainer.hpp"

using namespace fovea;

namespace {

std::vector<float> loss_trajectory(std::shared_ptr<data::Dataset> dataset, uint64_t seed, int steps) {
  manual_seed(seed);
  models::CNNNet model;
  optim::SGD sgd(model.parameters(), {.lr = 1e-3, .momentum = 0.95});
  data::DataLoader loader(dataset, {.batch_size = 128, .shuffle = true, .seed = seed});
  std::vector<float> losses;
  model.train();  // dropout on: its masks must repeat too
  for (data::Batch& batch : loader) {
    Tensor loss = cross_entropy(model(batch.images), batch.targets);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
    losses.push_back(loss.item());
    if (static_cast<int>(losses.size()) == steps) break;
  }
  return losses;
}

}  // namespace

TEST(Determinism, SameSeedSameThreadsSameLossesBitForBit) {
  auto transform = data::transforms::Compose({data::transforms::ToTensor(), data::transforms::Normalize({0.5f}, {0.5f})});
  auto dataset = std::make_shared<data::MNIST>(FOVEA_MNIST_DIR, true, transform);
  set_num_threads(2);
  auto first = loss_trajectory(dataset, 42, 40);
  auto second = loss_trajectory(dataset, 42, 40);
  ASSERT_EQ(first.size(), 40u);
  EXPECT_EQ(0, std::memcmp(first.data(), second.data(), first.size() * sizeof(float)));
  EXPECT_LT(first.back(), first.front());  // and it learns
  auto other = loss_trajectory(dataset, 43, 40);
  EXPECT_NE(0, std::memcmp(first.data(), other.data(), first.size() * sizeof(float)));
}
