#pragma once
// The classification loop of the seed, done right: train on the training split, then evaluate on
// the test split in eval mode, without gradients and without optimizer steps.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fovea/data/dataloader.hpp"
#include "fovea/nn/module.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/train/callback.hpp"
#include "fovea/train/metrics.hpp"

namespace fovea::train {

// Called after each optimizer step with the step's index within the epoch.
using StepHook = std::function<void(int64_t step)>;

// One pass over `loader` in training mode: forward, cross-entropy, zero_grad, backward, step.
Metrics train_epoch(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& loader,
                    const StepHook& on_step = {});
// One pass in eval mode under NoGradGuard.
Metrics evaluate(nn::Module& model, data::DataLoader& loader);

// Where a run stood when a stop was requested (Ctrl-C): after the step that was under way.
struct Interruption {
  int64_t epoch;             // the epoch under way, 0-based
  int64_t step_in_epoch;     // its optimizer steps done
  int64_t steps;             // optimizer steps done since the run began
  MetricsAccumulator::Sums partial;  // the training metrics of those steps of the epoch
  std::string shuffle_state;  // the training loader's generator as this epoch's pass began
  double elapsed_seconds;
};

struct FitOptions {
  int64_t epochs = 1;  // train until this many epochs are complete
  // The training loss's label smoothing, as nn.CrossEntropyLoss(label_smoothing=...), in [0, 1].
  // The test loss stays the plain cross-entropy, so runs with and without it compare.
  float label_smoothing = 0.0f;
  // Where a resumed run starts (train/checkpointing.hpp fills these from a checkpoint). A run
  // stopped in the middle of an epoch goes on at step start_step_in_epoch of start_epoch, with
  // the training metrics of the steps before it; the loader's generator must then hold its state
  // from before that epoch's pass, so that the pass draws the same order.
  int64_t start_epoch = 0;
  int64_t start_step = 0;
  int64_t start_step_in_epoch = 0;
  MetricsAccumulator::Sums start_partial;
  double start_seconds = 0.0;
  std::function<void(const EpochReport&)> on_epoch;  // after each epoch's evaluation
  StepHook on_step;                                  // after each optimizer step
  // Watchers of the run (progress line, logs, pictures: callback.hpp), called in this order after
  // on_step and on_epoch. Not owned; they must outlive fit().
  std::vector<Callback*> callbacks;
  // Asked after every step; when it says true the run stops there, calls on_interrupt and fit
  // returns false. The step itself always finishes: weights and optimizer stay consistent.
  std::function<bool()> stop_requested;
  std::function<void(const Interruption&)> on_interrupt;
  // Let a ThreadGovernor (thread_governor.hpp) shrink the thread team below get_num_threads()
  // while other work slows this run down, and grow it back. Off: the count stays as it is, and
  // the run is bit-for-bit reproducible.
  bool elastic_threads = false;
};

// Rounds of train_epoch + evaluate from options.start_epoch up to options.epochs. Returns true
// when every epoch ran, false when stop_requested ended the run early.
bool fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, const FitOptions& options);
// `epochs` rounds from the start, calling `on_epoch` after each.
void fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, int64_t epochs, const std::function<void(const EpochReport&)>& on_epoch,
         const StepHook& on_step = {});

}  // namespace fovea::train
