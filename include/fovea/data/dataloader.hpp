#pragma once
// DataLoader: batches of a Dataset, as torch.utils.data.DataLoader.
//
// Each pass (each `for (auto& batch : loader)`) draws a fresh order when shuffle is on, from the
// loader's own generator seeded once at construction, so a run is reproducible from its seed.
// Batches are assembled by `num_workers` background threads, at most `prefetch` batches ahead of
// the consumer in all, and handed out in order.
// Each sample is fetched under its own SampleSeed (data/augment.hpp), derived from the loader's
// state at the start of the pass and the sample's index: random transforms in the dataset give
// the same images whatever the prefetching, and in a pass resumed part-way.
#include <cstdint>
#include <memory>
#include <vector>

#include "fovea/data/dataset.hpp"
#include "fovea/random.hpp"

namespace fovea::data {

struct Batch {
  Tensor images;   // float32, batch x C x H x W
  Tensor targets;  // int64, [batch]: what the losses take
  int64_t size() const { return targets.defined() ? targets.numel() : 0; }
  // The targets as a std::vector, for loops over the batch.
  std::vector<int64_t> target_list() const { return targets.defined() ? targets.to_vector<int64_t>() : std::vector<int64_t>{}; }
};

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;
  uint64_t seed = 0;     // for the shuffle order
  int64_t prefetch = 2;  // batches assembled ahead; 0 assembles on the caller's thread
  // Threads assembling batches (each a whole batch, as PyTorch's workers); 0 assembles on the
  // caller's thread, as PyTorch's num_workers=0. More than `prefetch` leaves some idle.
  int64_t num_workers = 1;
  // Workers take only cycles no other thread of the machine wants (Linux SCHED_IDLE), so that
  // assembling and augmenting batches never slows the compute threads; the consumer waiting for
  // a batch frees a core for them. Off: workers compete as ordinary threads.
  bool idle_priority_workers = true;
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Number of batches per pass (len(loader) in PyTorch).
  int64_t size() const;
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }
  // The shuffle order's generator, to save and restore its state with a checkpoint (between
  // passes: a pass draws its whole order when it begins).
  Generator& generator() { return generator_; }
  // The next pass draws its order as usual but starts at batch `batch` of it: a run resumed in
  // the middle of an epoch sets the generator to its state before that pass, then skips the
  // batches already trained on, without assembling them.
  void start_next_pass_at(int64_t batch);

  class Pass;
  class Iterator {
   public:
    Iterator(Pass* pass, bool end) : pass_(pass), end_(end) {}
    Batch& operator*();
    Iterator& operator++();
    bool operator!=(const Iterator& other) const;

   private:
    Pass* pass_;
    bool end_;
  };
  Iterator begin();
  Iterator end();

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  Generator generator_;
  std::unique_ptr<Pass> pass_;
  int64_t start_batch_ = 0;  // for the next pass only
};

}  // namespace fovea::data
