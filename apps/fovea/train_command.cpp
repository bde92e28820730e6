// fovea train: the seed's job. Trains a model (the seed's CNN_net unless --model names another), evaluates on the test split after each epoch and
// prints the seed's lines; --save keeps the weights, --checkpoint keeps everything needed to go
// on, --resume goes on from such a checkpoint exactly.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <sstream>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <new>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "command.hpp"
#include "training_flags.hpp"
#include "fovea/backend.hpp"
#include "fovea/data/dataloader.hpp"
#include "fovea/data/download.hpp"
#include "fovea/data/image_folder.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/io/save_load.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/model_file.hpp"
#include "fovea/models/registry.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/optim/scheduler.hpp"
#include "fovea/precision.hpp"
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
  std::string model = "cnn";  // models/registry.hpp
  std::string model_file;  // --model-file: a model described in text (models/model_file.hpp)
  std::string model_description;  // its text, or a resumed checkpoint's
  std::vector<std::string> augment;  // the training split's augmentations (--augment)
  std::string recipe;  // --recipe: a tested set of the flags below
  TrainingFlags training;  // --weight-decay, --scheduler and its arguments
  uint64_t seed = 0;
  int threads = 0;  // 0: OpenMP's default (one per core)
  bool fixed_threads = false;
  std::string precision = "fp32";  // --precision: bf16 convolutions and matrix products (fovea/precision.hpp)
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
  cmd.add_option("--model", f.model,
                 "the network: cnn (the seed's CNN_net), lenet5, lenet5-relu or fast (two convolutions with batch "
                 "norm)")
      ->check(CLI::IsMember(models::model_names()))
      ->capture_default_str();
  cmd.add_option("--model-file", f.model_file,
                 "the network described in a text file, one PyTorch layer a line, as print(model) shows it "
                 "(Conv2d(1, 32, 5), BatchNorm2d(32), ReLU(), MaxPool2d(2), Flatten(), Linear(4608, 10), ...)")
      ->excludes("--model");
  cmd.add_option("--recipe", f.recipe,
                 "a tested set of flags: fast = --model fast --epochs 1 --optimizer adamw --scheduler onecycle "
                 "--max-lr 0.02 --batch-size 64 --label-smoothing 0.1 (99% on MNIST's test set in about 3 s on 2 "
                 "cores; bench/fast_recipe.py); a flag given as well overrides the recipe's")
      ->check(CLI::IsMember({"fast"}));
  cmd.add_option("--augment", f.augment,
                 "augment the training images, per sample on the loader's thread and seeded by --seed: any of "
                 "hflip, crop (padding 2), affine (10 degrees, 10% shift, 0.9-1.1 scale), jitter (brightness and "
                 "contrast 0.3), erasing; comma-separated")
      ->delimiter(',');
  cmd.add_option("--optimizer", f.optimizer, "sgd, adam, adamw or rmsprop")
      ->check(CLI::IsMember({"sgd", "adam", "adamw", "rmsprop"}))
      ->capture_default_str();
  add_training_flags(cmd, f.training);
  cmd.add_option("--seed", f.seed, "seed for initialisation, shuffling and dropout")->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (default: one per core)")->check(CLI::Range(1, 1024));
  cmd.add_flag("--fixed-threads", f.fixed_threads,
               "keep exactly --threads threads even when other work slows the run (by default the team shrinks "
               "while a core is taken and grows back; fixed, the numbers are bit-for-bit reproducible)");
  cmd.add_option("--precision", f.precision,
                 "fp32, or bf16: convolutions and matrix products in bfloat16 with fp32 accumulation and fp32 master "
                 "weights, as PyTorch's CPU autocast (needs AVX512_BF16 or AMX; elsewhere says so and runs fp32)")
      ->check(CLI::IsMember({"fp32", "bf16"}))
      ->capture_default_str();
  add_data_flags(cmd, f.data);
  cmd.add_flag("--timing", f.timing,
               "report on stderr when the first training step has finished, and each epoch's training and "
               "evaluation time");
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
std::map<std::string, std::string> settings(const TrainFlags& f) {
  std::map<std::string, std::string> out = {{"dataset", f.data.dataset},
                                            {"batch-size", std::to_string(f.batch_size)},
                                            {"test-batch-size", std::to_string(f.test_batch_size)},
                                            {"optimizer", f.optimizer},
                                            {"lr", exact_text(f.lr)},
                                            {"seed", std::to_string(f.seed)}};
  if (f.optimizer == "sgd") out["momentum"] = exact_text(f.momentum);
  // Recorded only when not the seed's CNN: a checkpoint from before --model existed resumes.
  if (f.model != models::kDefaultModel) out["model"] = f.model;
  if (!f.model_description.empty()) out["model-description"] = f.model_description;
  if (!f.augment.empty()) {
    std::string list;
    for (const std::string& a : f.augment) list += (list.empty() ? "" : ",") + a;
    out["augment"] = list;
  }
  add_training_settings(f.training, out);
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
    if (auto* v = text("model")) f.model = *v;
    // Not a flag of its own: --model-file's text, unless --model-file names a file now.
    if (auto it = c.config.find("model-description"); it != c.config.end() && f.model_file.empty())
      f.model_description = it->second;
    if (auto* v = text("augment")) {
      f.augment.clear();
      std::stringstream in(*v);
      for (std::string item; std::getline(in, item, ',');) f.augment.push_back(item);
    }
    if (auto* v = text("batch-size")) f.batch_size = std::stoll(*v);
    if (auto* v = text("test-batch-size")) f.test_batch_size = std::stoll(*v);
    if (auto* v = text("lr")) f.lr = std::stod(*v);
    if (auto* v = text("momentum")) f.momentum = std::stod(*v);
    if (auto* v = text("seed")) f.seed = std::stoull(*v);
    take_training_settings(text, f.training);
  } catch (const std::exception&) {
    throw IOError(f.resume + ": the checkpoint's settings are malformed");
  }
  const std::vector<std::string> known = models::model_names();
  if (std::find(known.begin(), known.end(), f.model) == known.end())
    throw IOError(f.resume + ": the checkpoint's model '" + f.model + "' is not one fovea knows");
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
  check_training_flags(cmd, f.training);
  check_augmentations(f.augment);
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
      return std::make_unique<train::PlotWriter>(f.plots, model, train_set, test_set, test_set.classes(), history);
    });
  if (!f.tensorboard.empty())
    w.tensorboard = made_for_flag("--tensorboard", [&] {
      return std::make_unique<train::TensorBoardLogger>(f.tensorboard, model, optimizer, train_set, test_set.classes());
    });
  return w;
}

// --recipe fast: the flags bench/fast_recipe.py measures (99.0% or more in 9 of 10 seeds), for
// each one not given on the command line. Only the flags it expands to reach a checkpoint.
void apply_recipe(const CLI::App& cmd, TrainFlags& f) {
  if (f.recipe.empty()) return;
  auto unset = [&](const char* flag) { return cmd.count(flag) == 0; };
  if (unset("--model") && unset("--model-file")) f.model = "fast";
  if (unset("--epochs")) f.epochs = 1;
  if (unset("--optimizer")) f.optimizer = "adamw";
  if (unset("--batch-size")) f.batch_size = 64;
  if (unset("--scheduler")) f.training.scheduler = "onecycle";
  if (unset("--max-lr") && f.training.scheduler == "onecycle") f.training.max_lr = 0.02;
  if (unset("--label-smoothing")) f.training.label_smoothing = 0.1;
}

// The network: --model-file's description (or a resumed checkpoint's), else --model's by name.
// A description is checked against the dataset's images and classes before anything trains.
nn::ModulePtr make_model(TrainFlags& f, const data::Dataset& train_set) {
  // MNIST-like datasets have 10 classes; an image folder as many as it has class folders.
  const int64_t classes = f.data.dataset == "imagefolder" ? static_cast<int64_t>(train_set.classes().size()) : 10;
  if (classes < 2)
    throw ValueError((std::filesystem::path(f.data.dir) / "train").string() +
                     ": one class folder; a classifier needs at least two");
  if (f.model_file.empty() && f.model_description.empty()) return models::create_model(f.model, classes);
  const models::ModelDescription d =
      f.model_file.empty() ? models::parse_model_description(f.model_description, f.resume + " (its model description)")
                           : made_for_flag("--model-file", [&] { return models::read_model_file(f.model_file); });
  f.model_description = d.text;
  models::check_model_fits(d, models::model_input_shape(), classes);
  return d.model;
}

int run(const CLI::App& cmd, TrainFlags f, Clock::time_point started) {
  apply_recipe(cmd, f);
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
  const Precision precision = parse_precision(f.precision);
  if (precision == Precision::bf16 && !bf16_supported())
    std::cerr << "fovea: --precision bf16: this CPU has neither AVX512_BF16 nor AMX (oneDNN runs "
              << backend_info().onednn_isa << "), so training runs in fp32\n";
  set_default_precision(precision);
  manual_seed(f.seed);

  // Both splits load at once, each inflating its own files on its own thread (start-up); MNIST's
  // download, which fetches all four files into one folder, comes first and once.
  DataFlags data = f.data;
  if (data.dataset == "mnist" && data.download) {
    data::download_mnist(data.dir.empty() ? "./data" : data.dir);
    data.download = false;
  }
  auto test_loading = std::async(std::launch::async, [&data] { return open_split(data, /*train=*/false); });
  auto train_set = open_split(data, /*train=*/true, f.augment);
  auto test_set = test_loading.get();
  // A folder's classes are its sub-folders: train/ and test/ must name the same ones, in order.
  if (f.data.dataset == "imagefolder")
    data::check_same_classes(*train_set, (std::filesystem::path(f.data.dir) / "train").string(), *test_set,
                             (std::filesystem::path(f.data.dir) / "test").string());
  data::DataLoader train_loader(train_set, {.batch_size = f.batch_size, .shuffle = true, .seed = f.seed});
  data::DataLoader test_loader(test_set, {.batch_size = f.test_batch_size});

  const nn::ModulePtr model_ptr = make_model(f, *train_set);
  nn::Module& model = *model_ptr;
  auto [optimizer, optimizer_type] = make_optimizer(f.optimizer, f.lr, f.momentum, f.training, model.parameters());
  // Made before a restore, as a resumed torch run makes it: its first step sets the lrs, which
  // the optimizer's and its own loaded state then put back where the checkpoint was.
  Schedulers schedulers = make_scheduler(f.training, f.lr, f.epochs, *optimizer, train_loader.size());
  // A model of a user's pictures keeps their class names and how its inputs were made, so that
  // predict prints names and prepares pictures as ImageFolder did (inference/classifier.hpp).
  std::map<std::string, std::string> picture_keys;
  if (f.data.dataset == "imagefolder")
    picture_keys = {{"classes", nlohmann::json(train_set->classes()).dump()}, {"input", "resized"}};
  std::map<std::string, std::string> run_settings = settings(f);
  run_settings.insert(picture_keys.begin(), picture_keys.end());
  train::Run run{model, *optimizer, optimizer_type, train_loader, run_settings, schedulers.scheduler.get(),
                 schedulers.plateau.get()};
  train::FitOptions options;
  std::vector<train::EpochReport> history;
  if (!f.resume.empty()) {
    options = train::restore(resume_from, f.resume, run);
    history = train::history(resume_from);
  }
  options.epochs = f.epochs;
  options.label_smoothing = static_cast<float>(f.training.label_smoothing);

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
    if (f.timing)
      std::fprintf(stderr, "fovea: epoch %" PRId64 ": training %.3f s, evaluation %.3f s\n", r.epoch, r.train_seconds,
                   r.test_seconds);
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
    // The name tells eval, predict and export which architecture to build (PyTorch ignores it).
    std::map<std::string, std::string> metadata;
    if (f.model_description.empty())
      metadata[models::kModelNameKey] = f.model;
    else
      metadata[models::kModelDescriptionKey] = f.model_description;
    if (!picture_keys.empty()) {
      metadata[inference::kClassesKey] = picture_keys["classes"];
      metadata[inference::kInputKey] = picture_keys["input"];
    }
    io::save_safetensors(f.save, model.state_dict(), metadata);
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
