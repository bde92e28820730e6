#pragma once
// The fovea command's subcommands, one file each (<name>_command.cpp). Each add_*_command
// declares its subcommand and flags on the top-level app and returns how to run it; add_commands
// (app.cpp) registers them all, and main.cpp parses and turns an error into one line. Helpers
// several subcommands share (the dataset flags, checking an output path) live in
// command_support.cpp.
#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fovea/data/dataset.hpp"

namespace fovea::app {

using Clock = std::chrono::steady_clock;

struct Command {
  CLI::App* cli;             // the parsed subcommand: *cli is true when it was given
  std::function<int()> run;  // returns the exit status; throws on errors
};

// The whole command line: --version, one subcommand required, and every subcommand, in the order
// of the returned list. Builds flags only: nothing runs until a Command's run() is called (the CLI
// fuzz target parses with it and never runs one). `started` is the program's start, for train's
// timings.
std::vector<Command> add_commands(CLI::App& app, Clock::time_point started);

Command add_train_command(CLI::App& app, Clock::time_point started);
Command add_eval_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_visualize_command(CLI::App& app);

// --dataset, --data, --no-download: which images, from where.
struct DataFlags {
  std::string dataset = "mnist";
  std::string dir;  // default depends on the dataset
  bool download = true;
};
void add_data_flags(CLI::App& cmd, DataFlags& flags);
// The training or test split with the seed's transform (ToTensor, Normalize(0.5, 0.5)), after
// the augmentations named in `augment` (--augment: hflip, crop, affine, jitter, erasing).
std::shared_ptr<data::Dataset> open_split(const DataFlags& flags, bool train,
                                          const std::vector<std::string>& augment = {});
// Throws ValueError naming an --augment transform fovea does not know, listing those it does.
void check_augmentations(const std::vector<std::string>& names);

// The seed's CNN takes 1 x 28 x 28 images: a split of another size is refused when it is opened,
// naming its file, not by the first Linear layer after a whole epoch.
void check_images_fit_model(const data::Dataset& split);

// The cores this process may run on (its CPU affinity, which taskset and container cpusets set).
int cpu_cores();
// --threads: more threads than cores only slow every OpenMP barrier down (1,000 threads on two
// cores made an epoch 500 times slower), so a larger request is capped at the core count, with
// one warning line on stderr.
int checked_threads(int requested);

// Fails now, naming `flag`, when `path` could not be written later: its folder is missing or not
// writable, or it is a folder. Nothing is created.
void check_output_path(const std::string& flag, const std::string& path);

}  // namespace fovea::app
