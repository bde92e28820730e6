#pragma once
// Callbacks: what watches a run without being part of it. The loop (trainer.hpp) knows nothing of
// terminals, files or pictures; the progress line, the metrics log, TensorBoard and the plots are
// each a Callback the caller hands to fit() in FitOptions::callbacks, as Keras' and Lightning's.
// Every method has an empty default, so a callback overrides only what it needs. They run on the
// training thread, between steps: what they cost is added to the epoch, so they keep it small.
#include <cstdint>

#include "fovea/data/dataloader.hpp"
#include "fovea/tensor.hpp"
#include "fovea/train/metrics.hpp"

namespace fovea::train {

// After one optimizer step.
struct TrainStep {
  int64_t epoch;           // 0-based
  int64_t step_in_epoch;   // steps of this epoch done, this one included (1 .. steps_in_epoch)
  int64_t steps_in_epoch;  // batches in the epoch
  int64_t step;            // optimizer steps since the run began, this one included
  double loss;             // this batch's mean loss
  const data::Batch& batch;
  const MetricsAccumulator& running;  // this epoch so far, this batch included
};

// After one batch of evaluation on the test split.
struct EvalBatch {
  int64_t epoch;
  int64_t batch_index;  // 1 .. batches
  int64_t batches;
  const data::Batch& batch;
  const Tensor& logits;  // batch x classes, no gradient
  const MetricsAccumulator& running;
};

class Callback {
 public:
  virtual ~Callback() = default;
  // Before the epoch's first step; `first_step` > 0 when a resumed run goes on mid-epoch.
  virtual void on_epoch_begin(int64_t /*epoch*/, int64_t /*first_step*/, int64_t /*steps_in_epoch*/) {}
  virtual void on_train_step(const TrainStep& /*step*/) {}
  virtual void on_eval_begin(int64_t /*epoch*/, int64_t /*batches*/) {}
  virtual void on_eval_batch(const EvalBatch& /*batch*/) {}
  // After the epoch's evaluation (and after FitOptions::on_epoch).
  virtual void on_epoch_end(const EpochReport& /*report*/) {}
  // When fit() returns or throws, however it ends: the place to clear a progress line.
  virtual void on_fit_end() {}
};

}  // namespace fovea::train
