// fovea predict: classifies image files with a saved model. Each image is decoded, prepared as
// the model's training images were (a digit centred as MNIST's, or a picture resized as an image
// folder's: Classifier::prepare_file) and classified in batches; a model trained on an image
// folder prints its class names. One line per file, or one
// JSON object per file with --json; a file that fails gets one error line on stderr naming it, the
// others are still classified, and the exit status is 1 at the end.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "command.hpp"
#include "fovea/backend.hpp"
#include "fovea/data/digit.hpp"
#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/image.hpp"
#include "fovea/threads.hpp"

namespace fovea::app {

namespace {

namespace fs = std::filesystem;

struct PredictFlags {
  std::string model;
  std::vector<std::string> inputs;
  bool json = false;
  int64_t top = 3;
  int threads = 0;
};

// Images a folder is searched for; a file named on the command line is tried whatever its name.
bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm"})
    if (ext == known) return true;
  return false;
}

// The files to classify, in order: each argument as given, a folder's images (all levels down)
// sorted by path. A folder that cannot be read or holds no image is an error line of its own.
std::vector<std::string> list_inputs(const std::vector<std::string>& inputs, std::vector<std::string>& errors) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      files.push_back(input);  // a missing or odd file gets its error when it is read
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(input, ec), end;
    for (; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec) && has_image_extension(it->path())) found.push_back(it->path().string());
    if (ec) {
      errors.push_back(input + ": cannot read the folder: " + ec.message());
      continue;
    }
    if (found.empty()) errors.push_back(input + ": no PNG, JPEG, BMP or PGM/PPM files in this folder");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// A class by name when the model keeps names (trained on an image folder), else its number.
std::string class_name(int64_t label, const std::vector<std::string>& classes) {
  if (label >= 0 && label < static_cast<int64_t>(classes.size())) return classes[static_cast<size_t>(label)];
  return std::to_string(label);
}

void print(const std::string& file, const inference::Prediction& p, const PredictFlags& f,
           const std::vector<std::string>& classes) {
  const auto top = p.top(f.top);
  if (f.json) {
    nlohmann::json j = {{"file", file}, {"label", p.label}, {"probability", p.probability}};
    if (!classes.empty()) j["class"] = class_name(p.label, classes);
    j["top"] = nlohmann::json::array();
    for (auto& [label, prob] : top) {
      nlohmann::json entry = {{"label", label}, {"probability", prob}};
      if (!classes.empty()) entry["class"] = class_name(label, classes);
      j["top"].push_back(entry);
    }
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::string line = file + ": " + class_name(p.label, classes);
  char buf[64];
  std::snprintf(buf, sizeof buf, " (p=%.3f)  top %lld:", p.probability, static_cast<long long>(top.size()));
  line += buf;
  for (size_t i = 0; i < top.size(); ++i) {
    std::snprintf(buf, sizeof buf, " %.3f", top[i].second);
    line += (i ? ", " : " ") + class_name(top[i].first, classes) + buf;
  }
  std::printf("%s\n", line.c_str());
}

int run(const PredictFlags& f) {
  cpu_isa();
  if (f.threads > 0) set_num_threads(checked_threads(f.threads));
  inference::Classifier classifier(f.model);
  std::vector<std::string> errors;
  const std::vector<std::string> files = list_inputs(f.inputs, errors);
  bool failed = !errors.empty();
  for (const std::string& e : errors) std::fprintf(stderr, "fovea: error: %s\n", e.c_str());

  // Prepared images go through the network in batches, and the lines come out in file order.
  constexpr size_t kBatch = 256;
  for (size_t begin = 0; begin < files.size(); begin += kBatch) {
    const size_t end = std::min(files.size(), begin + kBatch);
    std::vector<std::optional<std::string>> error(end - begin);
    std::vector<size_t> ok;
    std::vector<float> pixels;  // the prepared images, 28 x 28 each
    for (size_t i = begin; i < end; ++i) {
      try {
        Tensor image = classifier.prepare_file(files[i]);
        pixels.insert(pixels.end(), image.data(), image.data() + 28 * 28);
        ok.push_back(i);
      } catch (const IOError& e) {
        error[i - begin] = e.what();
      } catch (const Error& e) {
        error[i - begin] = files[i] + ": " + e.what();
      }
    }
    std::vector<inference::Prediction> predictions;
    if (!ok.empty()) {
      Tensor batch = Tensor::empty({int64_t(ok.size()), 1, 28, 28});
      std::copy(pixels.begin(), pixels.end(), batch.data());
      predictions = classifier.classify_batch(batch);
    }
    size_t next = 0;
    for (size_t i = begin; i < end; ++i) {
      if (error[i - begin]) {
        std::fflush(stdout);
        std::fprintf(stderr, "fovea: error: %s\n", error[i - begin]->c_str());
        failed = true;
      } else {
        print(files[i], predictions[next++], f, classifier.classes());
      }
    }
  }
  std::fflush(stdout);
  return failed ? 1 : 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto flags = std::make_shared<PredictFlags>();
  CLI::App* cmd = app.add_subcommand("predict", "classify image files (PNG, JPEG, BMP, PGM/PPM) with a saved model");
  cmd->add_option("--model", flags->model, "weights (fovea train --save), a checkpoint, or PyTorch's state_dict in safetensors")
      ->required();
  cmd->add_option("inputs", flags->inputs, "image files and folders (searched all levels down, in sorted order)")
      ->required();
  cmd->add_flag("--json", flags->json, "one JSON object per file instead of a line of text");
  cmd->add_option("--top", flags->top, "how many of the most probable classes to show")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}))
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "CPU threads (default: one per core)")->check(CLI::Range(1, 1024));
  return {cmd, [flags] { return run(*flags); }};
}

}  // namespace fovea::app
