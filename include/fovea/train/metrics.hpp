#pragma once
// What a pass over a split measured: sample-weighted loss and accuracy, and an epoch's report.
#include <cstdint>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::train {

// Averages over samples (not over batches, which would over-weight a short last batch).
struct Metrics {
  double loss = 0.0;
  double accuracy = 0.0;
  int64_t samples = 0;
};

// Accumulates per-batch results into sample-weighted means.
class MetricsAccumulator {
 public:
  // `mean_loss` is the batch's mean cross-entropy; `logits` is batch x classes.
  void add(double mean_loss, const Tensor& logits, const Tensor& targets);  // targets: int64 [N]
  Metrics result() const;

  // The running sums, to carry a half-done epoch through a checkpoint.
  struct Sums {
    double loss_sum = 0.0;
    int64_t correct = 0, samples = 0;
  };
  Sums sums() const { return {loss_sum_, correct_, samples_}; }
  static MetricsAccumulator from(const Sums& s);

 private:
  double loss_sum_ = 0.0;
  int64_t correct_ = 0, samples_ = 0;
};

struct EpochReport {
  int64_t epoch;            // 0-based, as the seed prints it
  Metrics train, test;
  double elapsed_seconds;   // since the run started (a resumed run counts the time before it)
  int64_t steps = 0;        // optimizer steps completed since the run started
  double train_seconds = 0.0;  // this epoch's training pass (of a resumed epoch: the part this run did)
  double test_seconds = 0.0;   // this epoch's evaluation
  int64_t trained_samples = 0;  // training images this run passed in train_seconds (train.samples less a resumed epoch's earlier ones)
};

}  // namespace fovea::train
