// DataLoader: batch counts, shuffling, reproducibility, and a background producer that always
// stops cleanly and reports the dataset's errors on the consumer's thread.
#include "fovea/data/dataloader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "fovea/data/mnist.hpp"
#include "fovea/error.hpp"

using namespace fovea;
using namespace fovea::data;

namespace {

// Example i is a 1 x 1 x 2 image holding {i, -i}, with target i; optionally slow or throwing.
class IndexDataset : public Dataset {
 public:
  explicit IndexDataset(int64_t n, int64_t throw_at = -1, int sleep_us = 0)
      : n_(n), throw_at_(throw_at), sleep_us_(sleep_us) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    if (i == throw_at_) throw IOError("example " + std::to_string(i) + " is unreadable");
    if (sleep_us_) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    ++calls;
    return {from_vector({float(i), -float(i)}, {1, 1, 2}), i};
  }
  mutable std::atomic<int64_t> calls{0};

 private:
  int64_t n_, throw_at_;
  int sleep_us_;
};

std::vector<int64_t> one_pass(DataLoader& loader) {
  std::vector<int64_t> order;
  for (Batch& b : loader) {
    const std::vector<int64_t> targets = b.target_list();
    order.insert(order.end(), targets.begin(), targets.end());
  }
  return order;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace

TEST(DataLoader, BatchCountsAndLastBatch) {
  auto ds = std::make_shared<IndexDataset>(60000);
  for (int64_t prefetch : {0, 2}) {
    DataLoader keep(ds, {.batch_size = 128, .prefetch = prefetch});
    EXPECT_EQ(keep.size(), 469);
    int64_t batches = 0, last = 0;
    for (Batch& b : keep) ++batches, last = b.size();
    EXPECT_EQ(batches, 469);
    EXPECT_EQ(last, 96);

    DataLoader drop(ds, {.batch_size = 128, .drop_last = true, .prefetch = prefetch});
    EXPECT_EQ(drop.size(), 468);
    batches = 0;
    for (Batch& b : drop) ++batches, last = b.size();
    EXPECT_EQ(batches, 468);
    EXPECT_EQ(last, 128);
  }
}

TEST(DataLoader, BatchHoldsTheImagesInOrder) {
  DataLoader loader(std::make_shared<IndexDataset>(10), {.batch_size = 4});
  auto it = loader.begin();
  Batch& b = *it;
  EXPECT_EQ(b.images.shape(), (Shape{4, 1, 1, 2}));
  EXPECT_EQ(b.images.to_vector(), (std::vector<float>{0, -0, 1, -1, 2, -2, 3, -3}));
  EXPECT_EQ(b.target_list(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(b.targets.dtype(), kInt64);
}

TEST(DataLoader, BatchSizeMustBePositive) {
  auto ds = std::make_shared<IndexDataset>(10);
  try {
    DataLoader loader(ds, {.batch_size = 0});
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("batch_size must be positive, got 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(DataLoader(ds, {.batch_size = -3}), ValueError);
}

TEST(DataLoader, NoShuffleIsIdentityOrder) {
  DataLoader loader(std::make_shared<IndexDataset>(1000), {.batch_size = 64});
  EXPECT_EQ(one_pass(loader), iota(1000));
  EXPECT_EQ(one_pass(loader), iota(1000));
}

TEST(DataLoader, ShuffleIsAPermutationAndNewEachPass) {
  DataLoader loader(std::make_shared<IndexDataset>(5000), {.batch_size = 100, .shuffle = true, .seed = 7});
  std::vector<int64_t> first = one_pass(loader), second = one_pass(loader);
  for (const auto& order : {first, second}) {
    ASSERT_EQ(order.size(), 5000u);
    EXPECT_EQ(std::set<int64_t>(order.begin(), order.end()).size(), 5000u) << "every index exactly once";
    EXPECT_NE(order, iota(5000));
  }
  EXPECT_NE(first, second);
}

TEST(DataLoader, SameSeedSameOrder) {
  auto ds = std::make_shared<IndexDataset>(3000);
  DataLoader a(ds, {.batch_size = 32, .shuffle = true, .seed = 42});
  DataLoader b(ds, {.batch_size = 32, .shuffle = true, .seed = 42, .prefetch = 0});
  DataLoader c(ds, {.batch_size = 32, .shuffle = true, .seed = 43});
  std::vector<int64_t> a1 = one_pass(a), a2 = one_pass(a);
  EXPECT_EQ(a1, one_pass(b)) << "prefetching does not change the order";
  EXPECT_EQ(a2, one_pass(b)) << "nor the second pass";
  EXPECT_NE(a1, one_pass(c));
}

TEST(DataLoader, GeneratorStateResumesTheShuffleOrder) {
  auto ds = std::make_shared<IndexDataset>(1000);
  DataLoader a(ds, {.batch_size = 50, .shuffle = true, .seed = 9});
  one_pass(a);
  const std::string state = a.generator().get_state();  // as a checkpoint after epoch 0 saves it
  const std::vector<int64_t> second = one_pass(a);
  DataLoader resumed(ds, {.batch_size = 50, .shuffle = true, .seed = 123});
  resumed.generator().set_state(state);
  EXPECT_EQ(one_pass(resumed), second);
}

TEST(DataLoader, DropLastShufflesBeforeDropping) {
  DataLoader loader(std::make_shared<IndexDataset>(100),
                    {.batch_size = 30, .shuffle = true, .drop_last = true, .seed = 1});
  std::vector<int64_t> order = one_pass(loader);
  EXPECT_EQ(order.size(), 90u);
  EXPECT_EQ(std::set<int64_t>(order.begin(), order.end()).size(), 90u);
}

TEST(DataLoader, EarlyBreakThenNewPass) {
  auto ds = std::make_shared<IndexDataset>(10000);
  DataLoader loader(ds, {.batch_size = 10, .prefetch = 3});
  int seen = 0;
  for (Batch& b : loader) {
    (void)b;
    if (++seen == 2) break;
  }
  EXPECT_LE(ds->calls.load(), (2 + 3 + 1) * 10) << "the producer stays at most `prefetch` batches ahead";
  EXPECT_EQ(one_pass(loader), iota(10000)) << "a new pass starts from the beginning";
}

TEST(DataLoader, DestructionMidPassDoesNotHang) {
  auto slow = std::make_shared<IndexDataset>(100000, -1, 200);
  auto start = std::chrono::steady_clock::now();
  {
    DataLoader loader(slow, {.batch_size = 64, .prefetch = 4});
    auto it = loader.begin();
    EXPECT_EQ((*it).size(), 64);
  }  // the producer is mid-batch here
  { DataLoader never_started(slow, {.batch_size = 64}); }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(DataLoader, SeveralWorkersDeliverInOrder) {
  // Slow samples so that the workers finish out of order; the consumer still sees pass order.
  auto ds = std::make_shared<IndexDataset>(3000, -1, 20);
  DataLoader one(ds, {.batch_size = 50, .shuffle = true, .seed = 9, .prefetch = 0});
  const std::vector<int64_t> first = one_pass(one), second = one_pass(one);
  for (int64_t workers : {1, 3, 4}) {
    DataLoader many(ds, {.batch_size = 50, .shuffle = true, .seed = 9, .prefetch = 6, .num_workers = workers});
    EXPECT_EQ(one_pass(many), first) << workers << " workers";
    EXPECT_EQ(one_pass(many), second) << workers << " workers, second pass";
  }
  EXPECT_THROW(DataLoader(ds, {.num_workers = -1}), ValueError);
}

TEST(DataLoader, WorkerExceptionReachesTheConsumer) {
  for (auto [prefetch, workers] : {std::pair{0, 1}, std::pair{2, 1}, std::pair{4, 3}}) {
    DataLoader loader(std::make_shared<IndexDataset>(1000, 250),
                      {.batch_size = 100, .prefetch = prefetch, .num_workers = workers});
    int64_t delivered = 0;
    try {
      for (Batch& b : loader) delivered += b.size();
      FAIL() << "expected the dataset's IOError";
    } catch (const IOError& e) {
      EXPECT_NE(std::string(e.what()).find("example 250 is unreadable"), std::string::npos);
    }
    EXPECT_EQ(delivered, 200) << "the batches before the bad one arrive first";
    // The loader is still usable afterwards (and fails the same way).
    EXPECT_THROW(one_pass(loader), IOError);
  }
}

TEST(DataLoader, MismatchedShapesInABatch) {
  class Ragged : public Dataset {
   public:
    int64_t size() const override { return 4; }
    Example get(int64_t i) const override { return {zeros({1, 2, i == 2 ? 3 : 2}), 0}; }
  };
  DataLoader loader(std::make_shared<Ragged>(), {.batch_size = 4});
  EXPECT_THROW(loader.begin(), ShapeError);
}

TEST(DataLoader, RealMnistEpoch) {
  auto train = std::make_shared<MNIST>(FOVEA_MNIST_DIR, true);
  DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = 3});
  int64_t batches = 0, samples = 0;
  for (Batch& b : loader) {
    ++batches;
    samples += b.size();
    ASSERT_EQ(b.images.dim(), 4);
    EXPECT_EQ(b.images.size(1), 1);
    EXPECT_EQ(b.images.size(3), 28);
  }
  EXPECT_EQ(batches, 469);
  EXPECT_EQ(samples, 60000);
}
