#pragma once
// fovea train's optimizer and learning-rate scheduler flags beyond --optimizer, --lr and
// --momentum: --weight-decay, --scheduler and the few arguments each scheduler needs (torch's
// defaults where torch has one). What a checkpoint records of them, and the objects they make.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fovea/optim/optimizer.hpp"
#include "fovea/optim/scheduler.hpp"

namespace fovea::app {

struct TrainingFlags {
  double weight_decay = -1.0;  // < 0: unset, the optimizer's torch default (AdamW 1e-2, else 0)
  double label_smoothing = 0.0;  // of the training loss (train::FitOptions)
  // The learning-rate scheduler and the few arguments each needs (torch's names in the help).
  std::string scheduler = "none";
  int64_t step_size = 1;
  double gamma = 0.1;
  std::vector<int64_t> milestones;
  int64_t t_max = 0;                   // cosine; 0: --epochs
  double max_lr = -1.0;                // onecycle; < 0: 10 x --lr
  int64_t warmup_iters = 5;            // linear: total_iters
  int64_t patience = 10;               // plateau
};

void add_training_flags(CLI::App& cmd, TrainingFlags& f);
// The settings a checkpoint records (only the flags in use, so that a checkpoint from before
// these flags still matches its run), and reading them back; `text(key)` is the checkpoint's
// value of a setting not given on the command line, or null.
void add_training_settings(const TrainingFlags& f, std::map<std::string, std::string>& out);
void take_training_settings(const std::function<const std::string*(const std::string&)>& text, TrainingFlags& f);
// Refuses a scheduler flag that the chosen --scheduler does not take.
void check_training_flags(const CLI::App& cmd, const TrainingFlags& f);

// Numbers as the shortest text that reads back to the same double ("0.1", not "0.10000000000000001").
std::string exact_text(double value);

// The optimizer `name` (sgd, adam, adamw, rmsprop) asks for, with its checkpoint type name.
std::pair<std::unique_ptr<optim::Optimizer>, std::string> make_optimizer(const std::string& name, double lr,
                                                                          double momentum, const TrainingFlags& f,
                                                                          std::vector<Tensor> params);

// The scheduler --scheduler asks for: an epoch (or batch) one, or ReduceLROnPlateau.
struct Schedulers {
  std::unique_ptr<optim::LRScheduler> scheduler;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;
  bool per_batch = false;  // onecycle steps after every optimizer step, the others once an epoch
};
Schedulers make_scheduler(const TrainingFlags& f, double lr, int64_t epochs, optim::Optimizer& optimizer,
                          int64_t steps_per_epoch);

}  // namespace fovea::app
