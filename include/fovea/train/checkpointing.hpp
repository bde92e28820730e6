#pragma once
// Checkpoints of a training run: io::Checkpoint (the file) filled from the live objects of a run
// and put back into fresh ones, so that a run stopped after epoch k and resumed prints the same
// epoch lines as one that never stopped (with the same thread count).
//
// What makes that exact: the weights, the optimizer's state, the default generator (which drew
// the initial weights and draws every dropout mask) and the training loader's shuffle generator,
// all taken between epochs, when no pass is under way; and the learning-rate scheduler's state
// when the run has one.
#include <map>
#include <string>
#include <vector>

#include "fovea/data/dataloader.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/nn/module.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/optim/scheduler.hpp"
#include "fovea/train/trainer.hpp"

namespace fovea::train {

// The live objects of a run that a checkpoint covers.
struct Run {
  nn::Module& model;
  optim::Optimizer& optimizer;
  std::string optimizer_type;      // "SGD", "Adam": a checkpoint restores into the same kind only
  data::DataLoader& train_loader;  // for its shuffle generator
  // The settings that decide the run's numbers (batch size, learning rate, seed, ...), as text by
  // flag name. A checkpoint resumes only into a run whose settings are the same.
  std::map<std::string, std::string> config;
  // The run's learning-rate scheduler, if any (at most one of the two): its state goes in the
  // checkpoint and comes back on restore.
  optim::LRScheduler* scheduler = nullptr;
  optim::ReduceLROnPlateau* plateau = nullptr;
};

// A checkpoint of `run` between epochs; `history` holds the epochs done so far (at least one).
io::Checkpoint capture(const Run& run, const std::vector<EpochReport>& history);

// A checkpoint of `run` stopped in the middle of an epoch (fit's on_interrupt), so that a resumed
// run goes on at the next step with the same batches, dropout masks and epoch line.
io::Checkpoint capture(const Run& run, const std::vector<EpochReport>& history, const Interruption& at);

// The epoch reports a checkpoint carries.
std::vector<EpochReport> history(const io::Checkpoint& checkpoint);

// Checks that `checkpoint` (read from `path`, named in errors) fits `run` -- the same optimizer,
// the same settings -- and only then restores the model, the optimizer (then the scheduler) and
// both generators.
// Throws one ValueError naming every setting that differs. Returns the FitOptions start fields
// (start_epoch, start_step, start_step_in_epoch, start_partial, start_seconds) for fit to go on
// from.
FitOptions restore(const io::Checkpoint& checkpoint, const std::string& path, Run& run);

}  // namespace fovea::train
