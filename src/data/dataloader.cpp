#include "fovea/data/dataloader.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <map>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "fovea/data/augment.hpp"
#include "fovea/error.hpp"

namespace fovea::data {

namespace {

// splitmix64's finaliser: neighbouring inputs give unrelated seeds.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A pass's seed for its samples' augmentations: a hash (FNV-1a) of the loader's generator state
// as the pass begins. Nothing is drawn for it, so the shuffle orders stay what they were, and a
// run resumed from a checkpoint (which restores that state) gets the same augmentations.
uint64_t pass_seed_of(const Generator& generator) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : generator.get_state()) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

// One pass over the data: a fixed order of indices cut into batches, assembled either on the
// caller's thread (prefetch 0 or no workers) or by `num_workers` threads that together stay at
// most `prefetch` batches ahead. Workers claim batches in order, each assembles whole batches
// (as PyTorch's workers do), and the consumer takes them in order whichever finishes first. The
// Pass owns the threads; destroying it stops and joins them, which is how an early `break`, a new
// pass or the loader's destruction end a pass cleanly.
class DataLoader::Pass {
 public:
  Pass(const Dataset& dataset, const DataLoaderOptions& options, std::vector<int64_t> order, int64_t batches,
       int64_t first_batch, uint64_t seed)
      : dataset_(dataset), options_(options), order_(std::move(order)), batches_(batches),
        first_batch_(first_batch), seed_(seed), consumed_(first_batch), next_claim_(first_batch) {
    if (background())
      for (int64_t w = 0; w < options_.num_workers; ++w) workers_.emplace_back([this] { work(); });
  }

  ~Pass() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;

  // Makes the next batch current; false once the pass is over. Rethrows, on the caller's thread,
  // whatever the dataset threw while assembling it (at that batch: the ones before it come first).
  bool advance() {
    if (consumed_ >= batches_) return false;
    if (!background()) {
      current_ = assemble(consumed_++);
      return true;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    auto ready = [this] { return done_.count(consumed_) > 0 || failed_at_ <= consumed_; };
    if (!ready()) {
      // Idle-priority workers run only on cycles nobody else wants; on a machine busy with other
      // programs that can be none at all, and the consumer would wait on them for ever. While it
      // waits, they run at normal priority.
      set_worker_priority(/*idle=*/false);
      ready_.wait(lock, ready);
      set_worker_priority(/*idle=*/true);
    }
    auto it = done_.find(consumed_);
    if (it == done_.end()) {
      consumed_ = batches_;  // the pass cannot go on
      std::rethrow_exception(error_);
    }
    current_ = std::move(it->second);
    done_.erase(it);
    ++consumed_;
    lock.unlock();
    space_.notify_all();
    return true;
  }

  Batch& current() { return current_; }

 private:
  bool background() const { return options_.prefetch > 0 && options_.num_workers > 0; }

  // Workers run on idle cycles only (SCHED_IDLE): a worker that took a time slice from one of the
  // compute team's threads would hold every thread of that parallel region at its barrier,
  // costing the team more than the worker gains. When the consumer has to wait for a batch, the
  // workers are lifted to normal priority until it arrives (advance()), so data is never starved
  // by other programs, only never favoured over the consumer's own work. Best effort: a refused
  // change leaves a worker as it was. Called with the mutex held.
  void set_worker_priority(bool idle) {
    if (!options_.idle_priority_workers) return;
    sched_param param{};
    for (pid_t tid : worker_tids_) sched_setscheduler(tid, idle ? SCHED_IDLE : SCHED_OTHER, &param);
  }

  void work() {
    if (options_.idle_priority_workers) {
      std::lock_guard<std::mutex> lock(mutex_);
      worker_tids_.push_back(gettid());
      sched_param idle{};
      sched_setscheduler(0, SCHED_IDLE, &idle);
    }
    for (;;) {
      int64_t b;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [this] {
          return stop_ || next_claim_ >= batches_ || next_claim_ < consumed_ + options_.prefetch;
        });
        if (stop_ || next_claim_ >= batches_) return;
        b = next_claim_++;
      }
      try {
        Batch batch = assemble(b);
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) return;
        done_.emplace(b, std::move(batch));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (b < failed_at_) {
          failed_at_ = b;
          error_ = std::current_exception();
        }
      }
      ready_.notify_all();
    }
  }

  Batch assemble(int64_t b) {
    const int64_t begin = b * options_.batch_size;
    const int64_t end = std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(order_.size()));
    Batch batch;
    std::vector<int64_t> targets;
    targets.reserve(static_cast<size_t>(end - begin));
    Shape sample_shape;
    int64_t sample_numel = 0;
    for (int64_t k = begin; k < end; ++k) {
      // A slow dataset should not hold up a consumer that has already walked away.
      if (stop_.load(std::memory_order_relaxed)) return batch;
      const int64_t index = order_[static_cast<size_t>(k)];
      // Random transforms inside get() draw from a generator of this pass and this sample alone.
      SampleSeed sample_seed(mix(seed_ ^ mix(static_cast<uint64_t>(index))));
      Example example = dataset_.get(index);
      if (k == begin) {
        // The first sample fixes the shape; the whole batch is one allocation.
        sample_shape = example.image.shape();
        sample_numel = example.image.numel();
        Shape shape{end - begin};
        shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
        batch.images = Tensor::empty(shape);
      } else if (example.image.shape() != sample_shape) {
        throw ShapeError("DataLoader: example " + std::to_string(index) + " has shape " +
                         to_string(example.image.shape()) + " but example " +
                         std::to_string(order_[static_cast<size_t>(begin)]) + " in the same batch has shape " +
                         to_string(sample_shape) + "; every image in a batch must have the same shape");
      }
      std::memcpy(batch.images.data() + (k - begin) * sample_numel, example.image.contiguous().data(),
                  static_cast<size_t>(sample_numel) * sizeof(float));
      targets.push_back(example.target);
    }
    batch.targets = from_vector(targets, {static_cast<int64_t>(targets.size())});
    return batch;
  }

  const Dataset& dataset_;
  const DataLoaderOptions options_;
  const std::vector<int64_t> order_;
  const int64_t batches_;
  const int64_t first_batch_;  // batches before it are skipped (a resumed epoch)
  const uint64_t seed_;        // of the samples' augmentations (pass_seed_of)
  int64_t consumed_;           // batches handed to the consumer; under the mutex with workers
  Batch current_;

  std::mutex mutex_;
  std::condition_variable ready_;  // a batch or an error is waiting for the consumer
  std::condition_variable space_;  // a batch may be claimed, or the pass is stopping
  int64_t next_claim_;             // the next batch a worker takes
  std::map<int64_t, Batch> done_;  // assembled, not yet consumed
  int64_t failed_at_ = std::numeric_limits<int64_t>::max();  // the first batch that threw
  std::exception_ptr error_;
  // Written under the mutex (so waiters cannot miss it), read without it between samples.
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
  std::vector<pid_t> worker_tids_;  // the workers' kernel thread ids, for their scheduling policy
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options), generator_(options.seed) {
  if (!dataset_) throw ValueError("DataLoader: dataset is null");
  if (options_.batch_size <= 0)
    throw ValueError("DataLoader: batch_size must be positive, got " + std::to_string(options_.batch_size));
  if (options_.prefetch < 0)
    throw ValueError("DataLoader: prefetch must be zero or positive, got " + std::to_string(options_.prefetch));
  if (options_.num_workers < 0 || options_.num_workers > 256)
    throw ValueError("DataLoader: num_workers must be between 0 and 256, got " + std::to_string(options_.num_workers));
}

// Out of line: Pass is complete only here.
DataLoader::~DataLoader() = default;

int64_t DataLoader::size() const {
  const int64_t n = dataset_->size();
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

DataLoader::Iterator DataLoader::begin() {
  pass_.reset();  // joins the previous pass's producer before a new order is drawn
  const uint64_t seed = pass_seed_of(generator_);
  std::vector<int64_t> order(static_cast<size_t>(dataset_->size()));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (options_.shuffle)
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[generator_.below(i)]);
  const int64_t batches = size();
  if (options_.drop_last) order.resize(static_cast<size_t>(batches * options_.batch_size));
  const int64_t first = std::min(start_batch_, batches);
  start_batch_ = 0;
  pass_ = std::make_unique<Pass>(*dataset_, options_, std::move(order), batches, first, seed);
  return Iterator(pass_.get(), !pass_->advance());
}

void DataLoader::start_next_pass_at(int64_t batch) {
  if (batch < 0 || batch > size())
    throw ValueError("DataLoader: cannot start a pass at batch " + std::to_string(batch) + " of " + std::to_string(size()));
  start_batch_ = batch;
}

DataLoader::Iterator DataLoader::end() { return Iterator(pass_.get(), true); }

Batch& DataLoader::Iterator::operator*() {
  if (end_) throw ValueError("DataLoader: dereferencing the end of a pass");
  return pass_->current();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (!end_ && !pass_->advance()) end_ = true;
  return *this;
}

bool DataLoader::Iterator::operator!=(const DataLoader::Iterator& other) const { return end_ != other.end_; }

}  // namespace fovea::data
