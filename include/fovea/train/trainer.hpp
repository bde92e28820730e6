#pragma once
// The classification loop of the seed, done right: train on the training split, then evaluate on
// the test split in eval mode, without gradients and without optimizer steps.
#include <cstdint>
#include <functional>

#include "fovea/data/dataloader.hpp"
#include "fovea/nn/module.hpp"
#include "fovea/optim/optimizer.hpp"

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
  void add(double mean_loss, const Tensor& logits, const std::vector<int64_t>& targets);
  Metrics result() const;

 private:
  double loss_sum_ = 0.0;
  int64_t correct_ = 0, samples_ = 0;
};

// Called after each optimizer step with the step's index within the epoch.
using StepHook = std::function<void(int64_t step)>;

// One pass over `loader` in training mode: forward, cross-entropy, zero_grad, backward, step.
Metrics train_epoch(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& loader,
                    const StepHook& on_step = {});
// One pass in eval mode under NoGradGuard.
Metrics evaluate(nn::Module& model, data::DataLoader& loader);

struct EpochReport {
  int64_t epoch;            // 0-based, as the seed prints it
  Metrics train, test;
  double elapsed_seconds;   // since the run started (a resumed run counts the time before it)
  int64_t steps = 0;        // optimizer steps completed since the run started
};

struct FitOptions {
  int64_t epochs = 1;  // train until this many epochs are complete
  // Where a resumed run starts (train/checkpointing.hpp fills these from a checkpoint).
  int64_t start_epoch = 0;
  int64_t start_step = 0;
  double start_seconds = 0.0;
  std::function<void(const EpochReport&)> on_epoch;  // after each epoch's evaluation
  StepHook on_step;                                  // after each optimizer step
};

// Rounds of train_epoch + evaluate from options.start_epoch up to options.epochs.
void fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, const FitOptions& options);
// `epochs` rounds from the start, calling `on_epoch` after each.
void fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, int64_t epochs, const std::function<void(const EpochReport&)>& on_epoch,
         const StepHook& on_step = {});

}  // namespace fovea::train
