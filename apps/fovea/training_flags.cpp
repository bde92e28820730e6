#include "training_flags.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "fovea/error.hpp"

namespace fovea::app {

void add_training_flags(CLI::App& cmd, TrainingFlags& f) {
  cmd.add_option("--weight-decay", f.weight_decay, "weight decay (default: the optimizer's, 0.01 for adamw, else 0)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--label-smoothing", f.label_smoothing,
                 "label smoothing of the training loss, as nn.CrossEntropyLoss(label_smoothing=...)")
      ->check(CLI::Range(0.0, 1.0));
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
}

void add_training_settings(const TrainingFlags& f, std::map<std::string, std::string>& out) {
  // Written only when used, so that a checkpoint from before these flags still matches its run.
  if (f.weight_decay >= 0) out["weight-decay"] = exact_text(f.weight_decay);
  if (f.label_smoothing > 0) out["label-smoothing"] = exact_text(f.label_smoothing);
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
}

void take_training_settings(const std::function<const std::string*(const std::string&)>& text, TrainingFlags& f) {
  if (auto* v = text("weight-decay")) f.weight_decay = std::stod(*v);
  if (auto* v = text("label-smoothing")) f.label_smoothing = std::stod(*v);
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
}

void check_training_flags(const CLI::App& cmd, const TrainingFlags& f) {
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

std::string exact_text(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

// The optimizer the flags ask for, with its checkpoint type name.
std::pair<std::unique_ptr<optim::Optimizer>, std::string> make_optimizer(const std::string& name, double lr,
                                                                          double momentum, const TrainingFlags& f,
                                                                          std::vector<Tensor> params) {
  auto decay_or = [&](double torch_default) { return f.weight_decay >= 0 ? f.weight_decay : torch_default; };
  if (name == "sgd")
    return {std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = lr, .momentum = momentum,
                                                                    .weight_decay = decay_or(0.0)}),
            "SGD"};
  if (name == "adam")
    return {std::make_unique<optim::Adam>(params,
                                          optim::AdamOptions{.lr = lr, .weight_decay = decay_or(0.0)}),
            "Adam"};
  if (name == "adamw")
    return {std::make_unique<optim::AdamW>(
                params, optim::AdamWOptions{.lr = lr, .weight_decay = decay_or(1e-2)}),
            "AdamW"};
  return {std::make_unique<optim::RMSprop>(params,
                                           optim::RMSpropOptions{.lr = lr, .weight_decay = decay_or(0.0)}),
          "RMSprop"};
}

Schedulers make_scheduler(const TrainingFlags& f, double lr, int64_t epochs, optim::Optimizer& optimizer,
                          int64_t steps_per_epoch) {
  Schedulers s;
  const std::string& k = f.scheduler;
  if (k == "step") s.scheduler = std::make_unique<optim::StepLR>(optimizer, f.step_size, f.gamma);
  if (k == "multistep") s.scheduler = std::make_unique<optim::MultiStepLR>(optimizer, f.milestones, f.gamma);
  if (k == "exponential") s.scheduler = std::make_unique<optim::ExponentialLR>(optimizer, f.gamma);
  if (k == "cosine") s.scheduler = std::make_unique<optim::CosineAnnealingLR>(optimizer, f.t_max > 0 ? f.t_max : epochs);
  if (k == "linear") s.scheduler = std::make_unique<optim::LinearLR>(optimizer, 1.0 / 3, 1.0, f.warmup_iters);
  if (k == "onecycle") {
    // Sized for --epochs: a resumed run asking for more epochs is another schedule (refused).
    s.scheduler = std::make_unique<optim::OneCycleLR>(
        optimizer, f.max_lr >= 0 ? f.max_lr : 10 * lr,
        optim::OneCycleLROptions{.epochs = epochs, .steps_per_epoch = steps_per_epoch,
                                 .cycle_momentum = optimizer.has_momentum()});
    s.per_batch = true;
  }
  if (k == "plateau")
    s.plateau = std::make_unique<optim::ReduceLROnPlateau>(
        optimizer, optim::ReduceLROnPlateauOptions{.factor = f.gamma, .patience = f.patience});
  return s;
}

}  // namespace fovea::app
