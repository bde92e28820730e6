// fovea eval: a saved model's test loss and accuracy (the figures of the last epoch line of the
// train run that saved it), per-class accuracy and the confusion matrix. No gradients, no updates.
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "fovea/backend.hpp"
#include "fovea/data/dataloader.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/threads.hpp"
#include "fovea/train/evaluation.hpp"

namespace fovea::app {

namespace {

struct EvalFlags {
  std::string model;
  DataFlags data;
  int64_t batch_size = 128;
  int64_t limit = 0;  // 0: the whole test split
  std::string logits;
  int threads = 0;
};

void print_report(const train::Evaluation& e, const std::vector<std::string>& names) {
  const auto& m = e.metrics;
  std::printf("Test Loss:%.4f,Test Acc:%.4f (%" PRId64 "/%" PRId64 ")\n", m.loss, m.accuracy,
              static_cast<int64_t>(m.accuracy * double(m.samples) + 0.5), m.samples);
  std::printf("per-class accuracy:\n");
  for (int64_t c = 0; c < e.classes(); ++c) {
    const std::string name = c < int64_t(names.size()) ? names[c] : std::to_string(c);
    std::printf("  %-12s %.4f (%" PRId64 "/%" PRId64 ")\n", name.c_str(), e.accuracy(c), e.confusion[c][c], e.total(c));
  }
  std::printf("confusion matrix (rows: true class, columns: predicted class):\n      ");
  for (int64_t c = 0; c < e.classes(); ++c) std::printf("%6" PRId64, c);
  std::printf("\n");
  for (int64_t t = 0; t < e.classes(); ++t) {
    std::printf("  %4" PRId64, t);
    for (int64_t p = 0; p < e.classes(); ++p) std::printf("%6" PRId64, e.confusion[t][p]);
    std::printf("\n");
  }
}

int run(const EvalFlags& f) {
  if (!f.logits.empty()) check_output_path("--logits", f.logits);
  cpu_isa();
  if (f.threads > 0) set_num_threads(checked_threads(f.threads));
  inference::LoadedModel loaded = inference::load_model(f.model);
  nn::ModulePtr model = loaded.model;
  std::shared_ptr<data::Dataset> test_set = open_split(f.data, /*train=*/false);
  const std::vector<std::string> names = test_set->classes();
  // A model of an image folder keeps the classes it learned: a test folder with other classes
  // would score targets that mean different things.
  if (!loaded.classes.empty() && loaded.classes != names) {
    std::string kept, found;
    for (const auto& n : loaded.classes) kept += (kept.empty() ? "" : ", ") + n;
    for (const auto& n : names) found += (found.empty() ? "" : ", ") + n;
    throw ValueError(f.model + " was trained on the classes " + kept + ", but the test split's are " + found);
  }
  if (f.limit > 0) {
    if (f.limit > test_set->size())
      throw ValueError("--limit " + std::to_string(f.limit) + ": the test split has " + std::to_string(test_set->size()) +
                       " images");
    test_set = std::make_shared<data::Subset>(test_set, f.limit);
  }
  data::DataLoader loader(test_set, {.batch_size = f.batch_size});
  train::Evaluation e = train::evaluate_in_detail(*model, loader, /*keep_logits=*/!f.logits.empty());
  std::printf("model: %s, %s test split, %" PRId64 " images\n", f.model.c_str(), f.data.dataset.c_str(), e.metrics.samples);
  print_report(e, names);
  if (!f.logits.empty()) {
    const int64_t n = e.metrics.samples, classes = e.classes();
    Tensor logits = Tensor::empty({n, classes}), targets = Tensor::empty({n});
    std::copy(e.logits.begin(), e.logits.end(), logits.data());
    for (int64_t i = 0; i < n; ++i) targets.data()[i] = static_cast<float>(test_set->get(i).target);
    io::save_safetensors(f.logits, {{"logits", logits}, {"targets", targets}});
    std::printf("wrote the logits of %" PRId64 " images to %s\n", n, f.logits.c_str());
  }
  return 0;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a saved model on the test split: loss, accuracy, per class, "
                                             "and the confusion matrix");
  cmd->add_option("--model", flags->model, "weights (fovea train --save), a checkpoint, or PyTorch's state_dict in safetensors")
      ->required();
  add_data_flags(*cmd, flags->data);
  cmd->add_option("--batch-size", flags->batch_size, "evaluation batch size (train's --test-batch-size)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--limit", flags->limit, "evaluate only the first N test images")->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--logits", flags->logits, "also write the logits (N x classes) and targets to this safetensors file");
  cmd->add_option("--threads", flags->threads, "CPU threads (default: one per core)")->check(CLI::Range(1, 1024));
  return {cmd, [flags] { return run(*flags); }};
}

}  // namespace fovea::app
