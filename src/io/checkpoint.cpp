#include "fovea/io/checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"

namespace fovea::io {

namespace {

constexpr const char* kFormat = "1";
const std::string kModel = "model.", kOptimizer = "optimizer.", kGenerator = "generator.";

// One metadata field, or an IOError naming the file and the field.
const std::string& field(const std::string& path, const std::map<std::string, std::string>& metadata,
                         const std::string& name) {
  auto it = metadata.find(name);
  if (it == metadata.end()) throw IOError(path + ": not a complete fovea checkpoint: no '" + name + "' in its metadata");
  return it->second;
}

int64_t parse_count(const std::string& path, const std::string& name, const std::string& text) {
  size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || value < 0)
    throw IOError(path + ": checkpoint field '" + name + "' is '" + text + "', expected a whole number >= 0");
  return value;
}

template <typename T>
T parse_json(const std::string& path, const std::string& name, const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw IOError(path + ": checkpoint field '" + name + "' is malformed: " + e.what());
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  NamedTensors tensors;
  for (auto& [key, t] : c.model) tensors.emplace_back(kModel + key, t);
  for (auto& [key, t] : c.optimizer.state) tensors.emplace_back(kOptimizer + key, t);
  std::map<std::string, std::string> metadata = {
      {"fovea.checkpoint", kFormat},
      {"optimizer.type", c.optimizer_type},
      {"optimizer.hyperparameters", nlohmann::json(c.optimizer.hyperparameters).dump()},
      {"epoch", std::to_string(c.epoch)},
      {"step", std::to_string(c.step)},
      {"epoch_step", std::to_string(c.epoch_step)},
      {"partial_metrics", nlohmann::json(c.partial_metrics).dump()},
      {"metrics", nlohmann::json(c.metrics).dump()},
      {"config", nlohmann::json(c.config).dump()},
  };
  for (auto& [name, state] : c.generators) metadata[kGenerator + name] = state;
  save_safetensors(path, tensors, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsFile file = read_safetensors(path);
  const auto& m = file.metadata;
  if (field(path, m, "fovea.checkpoint") != kFormat)
    throw IOError(path + ": checkpoint format '" + m.at("fovea.checkpoint") + "', this fovea reads format " + kFormat);
  Checkpoint c;
  for (auto& [key, t] : file.tensors) {
    if (key.rfind(kModel, 0) == 0)
      c.model.emplace_back(key.substr(kModel.size()), t);
    else if (key.rfind(kOptimizer, 0) == 0)
      c.optimizer.state.emplace_back(key.substr(kOptimizer.size()), t);
    else
      throw IOError(path + ": checkpoint tensor '" + key + "' is neither model.* nor optimizer.*");
  }
  c.optimizer_type = field(path, m, "optimizer.type");
  c.optimizer.hyperparameters = parse_json<std::map<std::string, double>>(
      path, "optimizer.hyperparameters", field(path, m, "optimizer.hyperparameters"));
  c.epoch = parse_count(path, "epoch", field(path, m, "epoch"));
  c.step = parse_count(path, "step", field(path, m, "step"));
  c.epoch_step = parse_count(path, "epoch_step", field(path, m, "epoch_step"));
  c.partial_metrics =
      parse_json<std::map<std::string, double>>(path, "partial_metrics", field(path, m, "partial_metrics"));
  c.metrics = parse_json<std::vector<std::map<std::string, double>>>(path, "metrics", field(path, m, "metrics"));
  c.config = parse_json<std::map<std::string, std::string>>(path, "config", field(path, m, "config"));
  for (auto& [name, value] : m)
    if (name.rfind(kGenerator, 0) == 0) c.generators[name.substr(kGenerator.size())] = value;
  return c;
}

}  // namespace fovea::io
