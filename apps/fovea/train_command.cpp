// fovea train: the seed's job. Trains CNNNet, evaluates on the test split after each epoch and
// prints the seed's lines; --save keeps the weights, --checkpoint keeps everything needed to go
// on, --resume goes on from such a checkpoint exactly.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <map>
#include <new>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "command.hpp"
#include "fovea/backend.hpp"
#include "fovea/data/dataloader.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/error.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/io/save_load.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/optim/scheduler.hpp"
#include "fovea/random.hpp"
#include "fovea/threads.hpp"
#include "fovea/train/checkpointing.hpp"
#include "fovea/train/metrics_log.hpp"
#include "fovea/train/plot_writer.hpp"
#include "fovea/train/progress.hpp"
#include "fovea/train/tensorboard_logger.hpp"
#include "fovea/train/trainer.hpp"

namespace fovea::app {

namespace {

struct TrainFlags {
  int64_t epochs = 10;
  int64_t batch_size = 128;
  int64_t test_batch_size = 128;
  double lr = 1e-3;
  double momentum = 0.95;
  std::string optimizer = "sgd";
  double weight_decay = -1.0;  // < 0: unset, the optimizer's torch default (AdamW 1e-2, else 0)
  // The learning-rate scheduler and the few arguments each needs (torch's names in the help).
  std::string scheduler = "none";
  int64_t step_size = 1;
  double gamma = 0.1;
  std::vector<int64_t> milestones;
  int64_t t_max = 0;                   // cosine; 0: --epochs
  double max_lr = -1.0;                // onecycle; < 0: 10 x --lr
  int64_t warmup_iters = 5;            // linear: total_iters
  int64_t patience = 10;               // plateau
  uint64_t seed = 0;
  int threads = 0;  // 0: OpenMP's default (one per core)
  bool fixed_threads = false;
  DataFlags data;
  bool timing = false;
  std::string save;        // weights at the end
  std::string checkpoint;  // everything, after every epoch
  std::string resume;      // a checkpoint to go on from
  bool progress = false, no_progress = false;  // neither: a progress line when stdout is a terminal
  std::string log;         // metrics as JSON Lines
  int64_t log_every = 0;   // and every N steps
  std::string plots;       // a folder of pictures, redrawn after each epoch
  std::string tensorboard;  // a folder of TensorBoard event files
};

void add_flags(CLI::App& cmd, TrainFlags& f) {
  cmd.add_option("--epochs", f.epochs, "train until this many epochs are done (a resumed run counts the earlier ones)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
  cmd.add_option("--batch-size", f.batch_size, "training batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  cmd.add_option("--test-batch-size", f.test_batch_size, "evaluation batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  cmd.add_option("--lr", f.lr, "learning rate")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd.add_option("--momentum", f.momentum, "SGD momentum")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd.add_option("--optimizer", f.optimizer, "sgd, adam, adamw or rmsprop")
      ->check(CLI::IsMember({"sgd", "adam", "adamw", "rmsprop"}))
      ->capture_default_str();
  cmd.add_option("--weight-decay", f.weight_decay, "weight decay (default: the optimizer's, 0.01 for adamw, else 0)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--scheduler", f.scheduler,
                 "learning-rate schedule: step, multistep, exponential, cosine, linear (warm-up) and plateau (on the "
                 "test loss) step once an epoch, onecycle once a batch")
      ->check(CLI::IsMember({"none", "step", "multistep", "exponential", "cosine", "onecycle", "linear", "plateau"}))
      ->capture_default_str();
  cmd.add_option("--step-size", f.step_size, "step: decay every N epochs")->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd.add_option("--gamma", f.gamma, "step, multistep, exponential: decay factor; plateau: its factor (< 1)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--milestones", f.milestones, "multistep: the epochs at which to decay")->delimiter(',');
  cmd.add_option("--t-max", f.t_max, "cosine: epochs to anneal over (default --epochs)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd.add_option("--max-lr", f.max_lr, "onecycle: the peak learning rate (default 10 x --lr)")->check(CLI::NonNegativeNumber);
  cmd.add_option("--warmup-iters", f.warmup_iters, "linear: epochs of warm-up from lr/3 to lr")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd.add_option("--patience", f.patience, "plateau: epochs without improvement before the lr drops")
      ->check(CLI::Range(int64_t{0}, int64_t{100000}));
  cmd.add_option("--seed", f.seed, "seed for initialisation, shuffling and dropout")->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (default: one per core)")->check(CLI::Range(1, 1024));
  cmd.add_flag("--fixed-threads", f.fixed_threads,
               "keep exactly --threads threads even when other work slows the run (by default the team shrinks "
               "while a core is taken and grows back; fixed, the numbers are bit-for-bit reproducible)");
  add_data_flags(cmd, f.data);
  cmd.add_flag("--timing", f.timing, "report on stderr when the first training step has finished");
  cmd.add_option("--save", f.save, "write the trained weights to this safetensors file (PyTorch's state_dict keys)");
  cmd.add_option("--checkpoint", f.checkpoint,
                 "after every epoch, write a checkpoint (weights, optimizer, generators, metrics, settings) to this "
                 "file, replacing it atomically");
  cmd.add_option("--resume", f.resume, "go on from this checkpoint, with its settings, up to --epochs");
  auto* progress = cmd.add_flag("--progress", f.progress, "show a live progress line even when stdout is not a terminal");
  cmd.add_flag("--no-progress", f.no_progress, "never show the progress line (default: shown when stdout is a terminal)")
      ->excludes(progress);
  cmd.add_option("--log", f.log, "append the metrics of every epoch to this file as JSON Lines (one object a line)");
  cmd.add_option("--log-every", f.log_every, "with --log, also log the loss every N optimizer steps")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd.add_option("--plots", f.plots,
                 "draw samples, curves, confusion matrix, kernels, feature maps and mistakes as PNGs in this folder, "
                 "redrawn after each epoch");
  cmd.add_option("--tensorboard", f.tensorboard,
                 "write TensorBoard event files (scalars, images, weight histograms) to this folder");
}

// The settings that decide a run's numbers, as text by flag name: what a checkpoint records and
// what must match to resume from it. The thread count is not among them (the user's machine
// decides it) though only the same count reproduces the figures bit for bit.
// Numbers as the shortest text that reads back to the same double ("0.1", not "0.10000000000000001").
std::string exact_text(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::map<std::string, std::string> settings(const TrainFlags& f) {
  std::map<std::string, std::string> out = {{"dataset", f.data.dataset},
                                            {"batch-size", std::to_string(f.batch_size)},
                                            {"test-batch-size", std::to_string(f.test_batch_size)},
                                            {"optimizer", f.optimizer},
                                            {"lr", exact_text(f.lr)},
                                            {"seed", std::to_string(f.seed)}};
  if (f.optimizer == "sgd") out["momentum"] = exact_text(f.momentum);
  // Written only when used, so that a checkpoint from before these flags still matches its run.
  if (f.weight_decay >= 0) out["weight-decay"] = exact_text(f.weight_decay);
  if (f.scheduler != "none") out["scheduler"] = f.scheduler;
  if (f.scheduler == "step") out["step-size"] = std::to_string(f.step_size);
  if (f.scheduler == "step" || f.scheduler == "multistep" || f.scheduler == "exponential" || f.scheduler == "plateau")
    out["gamma"] = exact_text(f.gamma);
  if (f.scheduler == "multistep") {
    std::string list;
    for (int64_t m : f.milestones) list += (list.empty() ? "" : ",") + std::to_string(m);
    out["milestones"] = list;
  }
  if (f.scheduler == "cosine" && f.t_max > 0) out["t-max"] = std::to_string(f.t_max);
  if (f.scheduler == "onecycle" && f.max_lr >= 0) out["max-lr"] = exact_text(f.max_lr);
  if (f.scheduler == "linear") out["warmup-iters"] = std::to_string(f.warmup_iters);
  if (f.scheduler == "plateau") out["patience"] = std::to_string(f.patience);
  return out;
}

// A resumed run takes its settings from the checkpoint; a flag given on the command line stays
// as given, and train::restore refuses it when it differs from the checkpoint's.
void take_settings_from(const io::Checkpoint& c, const CLI::App& cmd, TrainFlags& f) {
  auto given = [&](const std::string& key) { return cmd.count("--" + key) > 0; };
  auto text = [&](const std::string& key) -> const std::string* {
    auto it = c.config.find(key);
    return it == c.config.end() || given(key) ? nullptr : &it->second;
  };
  try {
    if (auto* v = text("dataset")) f.data.dataset = *v;
    if (auto* v = text("optimizer")) f.optimizer = *v;
    if (auto* v = text("batch-size")) f.batch_size = std::stoll(*v);
    if (auto* v = text("test-batch-size")) f.test_batch_size = std::stoll(*v);
    if (auto* v = text("lr")) f.lr = std::stod(*v);
    if (auto* v = text("momentum")) f.momentum = std::stod(*v);
    if (auto* v = text("seed")) f.seed = std::stoull(*v);
    if (auto* v = text("weight-decay")) f.weight_decay = std::stod(*v);
    if (auto* v = text("scheduler")) f.scheduler = *v;
    if (auto* v = text("step-size")) f.step_size = std::stoll(*v);
    if (auto* v = text("gamma")) f.gamma = std::stod(*v);
    if (auto* v = text("milestones")) {
      f.milestones.clear();
      std::stringstream in(*v);
      for (std::string item; std::getline(in, item, ',');) f.milestones.push_back(std::stoll(item));
    }
    if (auto* v = text("t-max")) f.t_max = std::stoll(*v);
    if (auto* v = text("max-lr")) f.max_lr = std::stod(*v);
    if (auto* v = text("warmup-iters")) f.warmup_iters = std::stoll(*v);
    if (auto* v = text("patience")) f.patience = std::stoll(*v);
  } catch (const std::exception&) {
    throw IOError(f.resume + ": the checkpoint's settings are malformed");
  }
  if (f.optimizer != "sgd" && f.optimizer != "adam" && f.optimizer != "adamw" && f.optimizer != "rmsprop")
    throw IOError(f.resume + ": the checkpoint's optimizer '" + f.optimizer +
                  "' is none of sgd, adam, adamw, rmsprop");
  if (f.batch_size < 1 || f.test_batch_size < 1) throw IOError(f.resume + ": the checkpoint's batch sizes are malformed");
}

// Ctrl-C (SIGINT) and SIGTERM ask the run to stop after the step under way: the weights and the
// optimizer stay consistent, a checkpoint of that point is written when --checkpoint is on, and
// the exit status is 128 + the signal (130, 143), as a shell expects of a process a signal
// ended. SA_RESETHAND puts the default action back, so a second Ctrl-C ends the process at once
// (every file fovea writes is replaced atomically, so even that leaves nothing half-written).
std::atomic<int> stop_signal{0};

extern "C" void request_stop(int signal_number) { stop_signal.store(signal_number); }

class StopOnSignals {
 public:
  StopOnSignals() {
    stop_signal.store(0);
    struct sigaction action {};
    action.sa_handler = request_stop;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopOnSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

const char* signal_name(int signal_number) { return signal_number == SIGINT ? "SIGINT" : "SIGTERM"; }

// Flags that do not apply are refused, not ignored; an output that cannot be written fails now,
// not after the training it would have kept.
void check_flags(const CLI::App& cmd, const TrainFlags& f) {
  if (f.optimizer != "sgd" && cmd.count("--momentum") > 0)
    throw ValueError("--momentum applies to --optimizer sgd only, not " + f.optimizer);
  if (!f.save.empty()) check_output_path("--save", f.save);
  if (!f.checkpoint.empty()) check_output_path("--checkpoint", f.checkpoint);
  if (f.log_every > 0 && f.log.empty()) throw ValueError("--log-every needs --log FILE to write to");
  // Each scheduler flag belongs to the schedulers named here.
  const std::map<std::string, std::vector<std::string>> scheduler_flags = {
      {"--step-size", {"step"}},
      {"--gamma", {"step", "multistep", "exponential", "plateau"}},
      {"--milestones", {"multistep"}},
      {"--t-max", {"cosine"}},
      {"--max-lr", {"onecycle"}},
      {"--warmup-iters", {"linear"}},
      {"--patience", {"plateau"}}};
  for (const auto& [flag, owners] : scheduler_flags) {
    if (cmd.count(flag) == 0 || std::find(owners.begin(), owners.end(), f.scheduler) != owners.end()) continue;
    std::string list;
    for (const std::string& o : owners) list += (list.empty() ? "" : ", ") + o;
    throw ValueError(flag + " applies to --scheduler " + list + " only, not " + f.scheduler);
  }
  if (f.scheduler == "multistep" && f.milestones.empty())
    throw ValueError("--scheduler multistep needs --milestones (epochs, comma-separated)");
}

// The optimizer the flags ask for, with its checkpoint type name.
std::pair<std::unique_ptr<optim::Optimizer>, std::string> make_optimizer(const TrainFlags& f,
                                                                          std::vector<Tensor> params) {
  auto decay_or = [&](double torch_default) { return f.weight_decay >= 0 ? f.weight_decay : torch_default; };
  if (f.optimizer == "sgd")
    return {std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = f.lr, .momentum = f.momentum,
                                                                    .weight_decay = decay_or(0.0)}),
            "SGD"};
  if (f.optimizer == "adam")
    return {std::make_unique<optim::Adam>(params,
                                          optim::AdamOptions{.lr = f.lr, .weight_decay = decay_or(0.0)}),
            "Adam"};
  if (f.optimizer == "adamw")
    return {std::make_unique<optim::AdamW>(
                params, optim::AdamWOptions{.lr = f.lr, .weight_decay = decay_or(1e-2)}),
            "AdamW"};
  return {std::make_unique<optim::RMSprop>(params,
                                           optim::RMSpropOptions{.lr = f.lr, .weight_decay = decay_or(0.0)}),
          "RMSprop"};
}

// The scheduler --scheduler asks for: an epoch (or batch) one, or ReduceLROnPlateau.
struct Schedulers {
  std::unique_ptr<optim::LRScheduler> scheduler;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;
  bool per_batch = false;  // onecycle steps after every optimizer step, the others once an epoch
};

Schedulers make_scheduler(const TrainFlags& f, optim::Optimizer& optimizer, int64_t steps_per_epoch) {
  Schedulers s;
  const std::string& k = f.scheduler;
  if (k == "step") s.scheduler = std::make_unique<optim::StepLR>(optimizer, f.step_size, f.gamma);
  if (k == "multistep") s.scheduler = std::make_unique<optim::MultiStepLR>(optimizer, f.milestones, f.gamma);
  if (k == "exponential") s.scheduler = std::make_unique<optim::ExponentialLR>(optimizer, f.gamma);
  if (k == "cosine") s.scheduler = std::make_unique<optim::CosineAnnealingLR>(optimizer, f.t_max > 0 ? f.t_max : f.epochs);
  if (k == "linear") s.scheduler = std::make_unique<optim::LinearLR>(optimizer, 1.0 / 3, 1.0, f.warmup_iters);
  if (k == "onecycle") {
    // Sized for --epochs: a resumed run asking for more epochs is another schedule (refused).
    s.scheduler = std::make_unique<optim::OneCycleLR>(
        optimizer, f.max_lr >= 0 ? f.max_lr : 10 * f.lr,
        optim::OneCycleLROptions{.epochs = f.epochs, .steps_per_epoch = steps_per_epoch,
                                 .cycle_momentum = optimizer.has_momentum()});
    s.per_batch = true;
  }
  if (k == "plateau")
    s.plateau = std::make_unique<optim::ReduceLROnPlateau>(
        optimizer, optim::ReduceLROnPlateauOptions{.factor = f.gamma, .patience = f.patience});
  return s;
}

// The outputs that watch a run (train/callback.hpp), made before training so that a folder that
// cannot be created or written fails now, naming its flag.
struct Watchers {
  std::unique_ptr<train::ProgressLine> progress;
  std::unique_ptr<train::MetricsLog> log;
  std::unique_ptr<train::PlotWriter> plots;
  std::unique_ptr<train::TensorBoardLogger> tensorboard;

  std::vector<train::Callback*> callbacks() const {
    std::vector<train::Callback*> out;
    for (train::Callback* c :
         std::initializer_list<train::Callback*>{progress.get(), log.get(), plots.get(), tensorboard.get()})
      if (c) out.push_back(c);
    return out;
  }
};

template <typename Make>
auto made_for_flag(const std::string& flag, Make&& make) {
  try {
    return make();
  } catch (const IOError& e) {
    throw IOError(flag + " " + e.what());
  }
}

std::vector<std::string> class_names(const data::Dataset& split) {
  if (const auto* mnist_like = dynamic_cast<const data::MNISTLike*>(&split)) return mnist_like->classes();
  return {};
}

Watchers make_watchers(const TrainFlags& f, nn::Module& model, const optim::Optimizer& optimizer,
                       const data::Dataset& train_set, const data::Dataset& test_set,
                       const std::vector<train::EpochReport>& history) {
  Watchers w;
  const bool on_terminal = ::isatty(STDOUT_FILENO) == 1;
  if (f.progress || (on_terminal && !f.no_progress)) w.progress = std::make_unique<train::ProgressLine>(stdout);
  if (!f.log.empty())
    w.log = made_for_flag("--log", [&] { return std::make_unique<train::MetricsLog>(f.log, optimizer, f.log_every); });
  if (!f.plots.empty())
    w.plots = made_for_flag("--plots", [&] {
      return std::make_unique<train::PlotWriter>(f.plots, model, train_set, test_set, class_names(test_set), history);
    });
  if (!f.tensorboard.empty())
    w.tensorboard = made_for_flag("--tensorboard", [&] {
      return std::make_unique<train::TensorBoardLogger>(f.tensorboard, model, optimizer, train_set, class_names(test_set));
    });
  return w;
}

int run(const CLI::App& cmd, TrainFlags f, Clock::time_point started) {
  io::Checkpoint resume_from;
  if (!f.resume.empty()) {
    resume_from = io::load_checkpoint(f.resume);
    take_settings_from(resume_from, cmd, f);
    if (resume_from.epoch >= f.epochs)
      throw ValueError("--epochs " + std::to_string(f.epochs) + ": the checkpoint " + f.resume + " has " +
                       std::to_string(resume_from.epoch) + " epochs done already; ask for more");
  }
  check_flags(cmd, f);
  cpu_isa();  // a bad FOVEA_CPU_ISA fails here, before anything is printed
  if (f.threads > 0) set_num_threads(checked_threads(f.threads));
  manual_seed(f.seed);

  auto train_set = open_split(f.data, /*train=*/true);
  auto test_set = open_split(f.data, /*train=*/false);
  data::DataLoader train_loader(train_set, {.batch_size = f.batch_size, .shuffle = true, .seed = f.seed});
  data::DataLoader test_loader(test_set, {.batch_size = f.test_batch_size});

  models::CNNNet model;
  auto [optimizer, optimizer_type] = make_optimizer(f, model.parameters());
  // Made before a restore, as a resumed torch run makes it: its first step sets the lrs, which
  // the optimizer's and its own loaded state then put back where the checkpoint was.
  Schedulers schedulers = make_scheduler(f, *optimizer, train_loader.size());
  train::Run run{model, *optimizer, optimizer_type, train_loader, settings(f), schedulers.scheduler.get(),
                 schedulers.plateau.get()};
  train::FitOptions options;
  std::vector<train::EpochReport> history;
  if (!f.resume.empty()) {
    options = train::restore(resume_from, f.resume, run);
    history = train::history(resume_from);
  }
  options.epochs = f.epochs;

  const Watchers watchers = make_watchers(f, model, *optimizer, *train_set, *test_set, history);
  options.callbacks = watchers.callbacks();

  std::cout << model << std::endl;
  if (!f.resume.empty() && options.start_step_in_epoch > 0)
    std::cout << "resuming from " << f.resume << " at step " << options.start_step_in_epoch << " of epoch "
              << options.start_epoch << " (step " << options.start_step << ")" << std::endl;
  else if (!f.resume.empty())
    std::cout << "resuming from " << f.resume << " after epoch " << options.start_epoch - 1 << " (step "
              << options.start_step << ")" << std::endl;
  std::cout << "start training..." << std::endl;
  bool first_step_reported = !f.timing;
  options.on_step = [&](int64_t) {
    if (schedulers.per_batch) schedulers.scheduler->step();
    if (first_step_reported) return;
    first_step_reported = true;
    double s = std::chrono::duration<double>(Clock::now() - started).count();
    std::fprintf(stderr, "fovea: first training step finished %.3f s after start\n", s);
  };
  options.on_epoch = [&](const train::EpochReport& r) {
    std::printf("epoch:%" PRId64 ",Train Loss:%.4f,Train Acc:%.4f,Test Loss:%.4f,Test Acc:%.4f\n", r.epoch,
                r.train.loss, r.train.accuracy, r.test.loss, r.test.accuracy);
    std::printf("time is:%.4fs\n", r.elapsed_seconds);
    std::fflush(stdout);
    history.push_back(r);
    // Before the checkpoint, which then holds the lrs of the next epoch.
    if (schedulers.scheduler && !schedulers.per_batch) schedulers.scheduler->step();
    if (schedulers.plateau) schedulers.plateau->step(r.test.loss);
    if (!f.checkpoint.empty()) io::save_checkpoint(f.checkpoint, train::capture(run, history));
  };
  options.elastic_threads = !f.fixed_threads;
  options.stop_requested = [] { return stop_signal.load() != 0; };
  options.on_interrupt = [&](const train::Interruption& at) {
    if (watchers.progress) watchers.progress->clear();
    std::fflush(stdout);
    std::string what = "after step " + std::to_string(at.step_in_epoch) + " of epoch " + std::to_string(at.epoch);
    if (at.step_in_epoch == 0) what = "after epoch " + std::to_string(at.epoch - 1);
    std::string saved = "; no --checkpoint, so nothing was saved";
    if (!f.checkpoint.empty()) {
      if (at.step_in_epoch > 0) io::save_checkpoint(f.checkpoint, train::capture(run, history, at));
      saved = "; checkpoint " + f.checkpoint + " holds this point (go on with --resume " + f.checkpoint + ")";
    }
    if (!f.save.empty()) saved += "; --save " + f.save + " not written (the run did not finish)";
    std::fprintf(stderr, "fovea: stopped by %s %s%s\n", signal_name(stop_signal.load()), what.c_str(), saved.c_str());
  };
  bool finished = false;
  {
    StopOnSignals stop_on_signals;
    finished = train::fit(model, *optimizer, train_loader, test_loader, options);
  }
  if (!finished) return 128 + stop_signal.load();
  std::cout << "end training." << std::endl;
  if (!f.save.empty()) {
    save(f.save, model);
    std::cout << "saved the weights to " << f.save << std::endl;
  }
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app, Clock::time_point started) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand("train", "train the seed's CNN and evaluate it on the test split after each epoch");
  add_flags(*cmd, *flags);
  return {cmd, [cmd, flags, started] {
            // Running out of memory is one line that says what to change.
            const std::string hint = " (--batch-size " + std::to_string(flags->batch_size) + "; a smaller batch needs less)";
            try {
              return run(*cmd, *flags, started);
            } catch (const OutOfMemoryError& e) {
              throw OutOfMemoryError(e.what() + hint);
            } catch (const std::bad_alloc&) {
              throw OutOfMemoryError("out of memory while training" + hint);
            }
          }};
}

}  // namespace fovea::app
