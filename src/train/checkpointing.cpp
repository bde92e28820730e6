#include "fovea/train/checkpointing.hpp"

#include <cmath>

#include "fovea/error.hpp"
#include "fovea/random.hpp"

namespace fovea::train {

namespace {

// Generator names in the file: the default one (initialisation and dropout) and the shuffle's.
constexpr const char* kDefaultGenerator = "default";
constexpr const char* kShuffleGenerator = "shuffle";

std::map<std::string, double> row(const EpochReport& r) {
  return {{"epoch", double(r.epoch)},
          {"train_loss", r.train.loss},
          {"train_accuracy", r.train.accuracy},
          {"train_samples", double(r.train.samples)},
          {"test_loss", r.test.loss},
          {"test_accuracy", r.test.accuracy},
          {"test_samples", double(r.test.samples)},
          {"elapsed_seconds", r.elapsed_seconds},
          {"steps", double(r.steps)}};
}

double get(const std::map<std::string, double>& row, const char* key) {
  auto it = row.find(key);
  if (it == row.end()) throw IOError(std::string("checkpoint metrics row without '") + key + "'");
  return it->second;
}

}  // namespace

io::Checkpoint capture(const Run& run, const std::vector<EpochReport>& history, const Interruption& at) {
  io::Checkpoint c;
  c.model = run.model.state_dict();
  c.optimizer_type = run.optimizer_type;
  c.optimizer = run.optimizer.state_dict();
  if (run.scheduler) c.scheduler = run.scheduler->state_dict();
  if (run.plateau) c.scheduler = run.plateau->state_dict();
  c.epoch = at.epoch;
  c.step = at.steps;
  c.epoch_step = at.step_in_epoch;
  if (at.step_in_epoch > 0)
    c.partial_metrics = {{"loss_sum", at.partial.loss_sum},
                         {"correct", double(at.partial.correct)},
                         {"samples", double(at.partial.samples)},
                         {"elapsed_seconds", at.elapsed_seconds}};
  // The shuffle generator as the epoch's pass began (or will begin): the resumed run draws the same order.
  c.generators = {{kDefaultGenerator, default_generator().get_state()}, {kShuffleGenerator, at.shuffle_state}};
  for (const EpochReport& r : history) c.metrics.push_back(row(r));
  c.config = run.config;
  return c;
}

// Between epochs is the point right after the last one: no steps of the next epoch done yet, and
// the shuffle generator as the next pass will begin.
io::Checkpoint capture(const Run& run, const std::vector<EpochReport>& history) {
  if (history.empty()) throw ValueError("train::capture: a checkpoint is taken after an epoch, and none is done");
  const EpochReport& last = history.back();
  return capture(run, history,
                 Interruption{last.epoch + 1, 0, last.steps, {}, run.train_loader.generator().get_state(),
                              last.elapsed_seconds});
}

std::vector<EpochReport> history(const io::Checkpoint& checkpoint) {
  std::vector<EpochReport> out;
  for (const auto& m : checkpoint.metrics) {
    EpochReport r{static_cast<int64_t>(get(m, "epoch")),
                  {get(m, "train_loss"), get(m, "train_accuracy"), static_cast<int64_t>(get(m, "train_samples"))},
                  {get(m, "test_loss"), get(m, "test_accuracy"), static_cast<int64_t>(get(m, "test_samples"))},
                  get(m, "elapsed_seconds"),
                  static_cast<int64_t>(get(m, "steps"))};
    out.push_back(r);
  }
  return out;
}

FitOptions restore(const io::Checkpoint& checkpoint, const std::string& path, Run& run) {
  std::vector<std::string> problems;
  if (checkpoint.optimizer_type != run.optimizer_type)
    problems.push_back("optimizer " + checkpoint.optimizer_type + " in the checkpoint, " + run.optimizer_type + " here");
  for (const auto& [key, value] : checkpoint.config) {
    auto it = run.config.find(key);
    if (it == run.config.end())
      problems.push_back(key + " " + value + " in the checkpoint, not set here");
    else if (it->second != value)
      problems.push_back(key + " " + value + " in the checkpoint, " + it->second + " here");
  }
  for (const auto& [key, value] : run.config)
    if (!checkpoint.config.count(key)) problems.push_back(key + " " + value + " here, not in the checkpoint");
  for (const char* name : {kDefaultGenerator, kShuffleGenerator})
    if (!checkpoint.generators.count(name)) problems.push_back(std::string("no '") + name + "' generator state");
  if (checkpoint.epoch_step < 0 || checkpoint.epoch_step >= run.train_loader.size())
    problems.push_back("stopped at step " + std::to_string(checkpoint.epoch_step) + " of an epoch, which has " +
                       std::to_string(run.train_loader.size()) + " steps here");
  if (checkpoint.epoch_step > 0)
    for (const char* key : {"loss_sum", "correct", "samples", "elapsed_seconds"})
      if (!checkpoint.partial_metrics.count(key)) problems.push_back(std::string("no partial metric '") + key + "'");
  if (checkpoint.metrics.size() != static_cast<size_t>(checkpoint.epoch))
    problems.push_back("epoch " + std::to_string(checkpoint.epoch) + " with " +
                       std::to_string(checkpoint.metrics.size()) + " rows of metrics");
  const bool has_scheduler = run.scheduler || run.plateau;
  if (has_scheduler && checkpoint.scheduler.empty())
    problems.push_back("no scheduler state in the checkpoint, a scheduler here");
  if (!has_scheduler && !checkpoint.scheduler.empty())
    problems.push_back("a scheduler state in the checkpoint, no scheduler here");
  if (!problems.empty()) {
    std::string joined;
    for (const std::string& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    throw ValueError(path + ": the checkpoint does not fit this run: " + joined);
  }
  const std::vector<EpochReport> done = history(checkpoint);
  // Each load checks everything before it changes anything; prefix the file to their messages.
  try {
    run.optimizer.load_state_dict(checkpoint.optimizer);  // first: its shapes are the model's too
    run.model.load_state_dict(checkpoint.model);
    // After the optimizer: a scheduler's lrs are the optimizer's, which its state sets back.
    if (run.scheduler) run.scheduler->load_state_dict(checkpoint.scheduler);
    if (run.plateau) run.plateau->load_state_dict(checkpoint.scheduler);
    Generator default_state, shuffle_state;
    default_state.set_state(checkpoint.generators.at(kDefaultGenerator));
    shuffle_state.set_state(checkpoint.generators.at(kShuffleGenerator));
    default_generator() = default_state;
    run.train_loader.generator() = shuffle_state;
  } catch (const Error& e) {
    throw ValueError(path + ": " + e.what());
  }
  FitOptions start;
  start.start_epoch = checkpoint.epoch;
  start.start_step = checkpoint.step;
  start.start_seconds = done.empty() ? 0.0 : done.back().elapsed_seconds;
  if (checkpoint.epoch_step > 0) {
    const auto& p = checkpoint.partial_metrics;
    start.start_step_in_epoch = checkpoint.epoch_step;
    start.start_partial = {p.at("loss_sum"), static_cast<int64_t>(p.at("correct")), static_cast<int64_t>(p.at("samples"))};
    start.start_seconds = p.at("elapsed_seconds");
  }
  return start;
}

}  // namespace fovea::train
