#pragma once
// A checkpoint: everything a training run needs to go on exactly where it stopped, in one
// safetensors file (so any safetensors reader can open it):
//   tensors   "model.<key>" (the model's state_dict) and "optimizer.<key>" (its state)
//   metadata  "fovea.checkpoint" (the format's version), "optimizer.type",
//             "optimizer.hyperparameters" (parameter group 0: a checkpoint of one group reads as
//             it always did), "optimizer.param_groups.<g>" (groups 1, 2, ...),
//             "scheduler.<key>" (the LR scheduler's state_dict, when there is one), "epoch", "step", "epoch_step", "partial_metrics",
//             "generator.<name>" (each generator's get_state()), "metrics" and "config" (JSON)
// It is written atomically (support/atomic_file.hpp): a run killed mid-save leaves the previous
// checkpoint, whole.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fovea/optim/optimizer.hpp"
#include "fovea/tensor.hpp"

namespace fovea::io {

struct Checkpoint {
  NamedTensors model;                        // nn::Module::state_dict()
  std::string optimizer_type;                // "SGD", "Adam"
  optim::OptimizerState optimizer;           // optim::Optimizer::state_dict()
  int64_t epoch = 0;                         // epochs completed
  int64_t step = 0;                          // optimizer steps completed
  // A run stopped in the middle of an epoch (Ctrl-C): the steps of epoch `epoch` (0-based, not yet
  // complete) already done, and their training metrics; 0 and empty between epochs.
  int64_t epoch_step = 0;
  std::map<std::string, double> partial_metrics;
  std::map<std::string, std::string> generators;  // name -> Generator::get_state()
  std::map<std::string, std::string> scheduler;   // optim::LRScheduler::state_dict(); empty: none
  std::vector<std::map<std::string, double>> metrics;  // one row per completed epoch
  std::map<std::string, std::string> config;           // the run's settings, by flag name
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Throws IOError naming the file and the field when it is not a complete fovea checkpoint. On top
// of read_safetensors' checks and limits (io/safetensors.hpp): "epoch", "step" and "epoch_step"
// are digits only, below 2^63; each JSON field nests at most 4 deep, holds at most 100,000
// values (keys count) and no key twice, so a field costs at most ~10 MB however it is written;
// each "generator.<name>" is at most 64 KiB of printable ASCII.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace fovea::io
