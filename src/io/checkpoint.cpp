#include "fovea/io/checkpoint.hpp"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"
#include "io/json_limits.hpp"
#include "support/checked_math.hpp"
#include "support/quote.hpp"

namespace fovea::io {

namespace {

constexpr const char* kFormat = "1";
const std::string kModel = "model.", kOptimizer = "optimizer.", kGenerator = "generator.",
                  kParamGroup = "optimizer.param_groups.", kScheduler = "scheduler.";

// One metadata field, or an IOError naming the file and the field.
const std::string& field(const std::string& path, const std::map<std::string, std::string>& metadata,
                         const std::string& name) {
  auto it = metadata.find(name);
  if (it == metadata.end()) throw IOError(path + ": not a complete fovea checkpoint: no '" + name + "' in its metadata");
  return it->second;
}

// Digits only (no sign, space or exponent), without overflow.
int64_t parse_count(const std::string& path, const std::string& name, const std::string& text) {
  int64_t value = 0;
  bool ok = !text.empty();
  for (char c : text)
    ok = ok && c >= '0' && c <= '9' && support::checked_mul(value, int64_t{10}, value) &&
         support::checked_add(value, int64_t{c - '0'}, value);
  if (!ok)
    throw IOError(path + ": checkpoint field '" + name + "' is " + support::quote(text, 40) +
                  ", expected a whole number from 0 to " + std::to_string(INT64_MAX));
  return value;
}

// The JSON fields (hyperparameters, metrics, config) are small: a row of metrics per epoch, a
// setting per flag. The limits leave room for 7,000 epochs of 6 metrics and cost at most ~10 MB.
constexpr int kMaxJsonDepth = 4;  // metrics, the deepest, nests 2: [{"loss": 0.1}]
constexpr size_t kMaxJsonValues = 100'000;
// A generator's state is get_state()'s text: "mt19937_64 <index> <312 x 16 hex digits>" (5 KB).
constexpr size_t kMaxGeneratorState = 64 << 10;

template <typename T>
T parse_json(const std::string& path, const std::string& name, const std::string& text) {
  try {
    return detail::parse_json_bounded(text, kMaxJsonDepth, kMaxJsonValues).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw IOError(path + ": checkpoint field '" + name + "' is malformed: " + support::escape_bytes(e.what(), 300));
  } catch (const detail::JsonLimitError& e) {
    throw IOError(path + ": checkpoint field '" + name + "' " + e.what() + ", expected at most " +
                  std::to_string(kMaxJsonDepth) + " levels and " + std::to_string(kMaxJsonValues) + " values");
  }
}

// Numbers by name, as JSON: a loss that diverged is NaN or infinite, which JSON has no number
// for, so those are written as the strings "NaN", "Infinity" and "-Infinity" (Python's json
// module reads and writes the same words) and read back as such.
nlohmann::json numbers_to_json(const std::map<std::string, double>& numbers) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : numbers) {
    if (std::isnan(value)) out[key] = "NaN";
    else if (std::isinf(value)) out[key] = value > 0 ? "Infinity" : "-Infinity";
    else out[key] = value;
  }
  return out;
}

std::map<std::string, double> numbers_from_json(const std::string& path, const std::string& name,
                                                const nlohmann::json& object) {
  if (!object.is_object()) throw IOError(path + ": checkpoint field '" + name + "' is malformed: expected an object of numbers");
  std::map<std::string, double> out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_number()) out[key] = value.get<double>();
    else if (value == "NaN") out[key] = std::numeric_limits<double>::quiet_NaN();
    else if (value == "Infinity") out[key] = std::numeric_limits<double>::infinity();
    else if (value == "-Infinity") out[key] = -std::numeric_limits<double>::infinity();
    else
      throw IOError(path + ": checkpoint field '" + name + "' is malformed: '" + support::escape_bytes(key, 40) +
                    "' is not a number (nor NaN, Infinity, -Infinity)");
  }
  return out;
}

nlohmann::json parse_bounded(const std::string& path, const std::string& name, const std::string& text) {
  return parse_json<nlohmann::json>(path, name, text);
}

// Bounded and printable: the text goes to Generator::set_state, whose errors quote it.
const std::string& generator_state(const std::string& path, const std::string& name, const std::string& state) {
  bool printable = true;
  for (char c : state) printable = printable && c >= 0x20 && c < 0x7F;
  if (state.size() > kMaxGeneratorState || !printable)
    throw IOError(path + ": checkpoint field '" + kGenerator + support::escape_bytes(name, 40) + "' is " +
                  std::to_string(state.size()) + " bytes " + (printable ? "" : "with unprintable bytes ") +
                  "starting " + support::quote(state, 20) + ", expected a generator state of at most " +
                  std::to_string(kMaxGeneratorState) + " printable bytes");
  return state;
}

}  // namespace

// The settings as JSON; a value that is not UTF-8 is the caller's error, said as such.
static std::string config_text(const std::map<std::string, std::string>& config) {
  try {
    return nlohmann::json(config).dump();
  } catch (const nlohmann::json::exception&) {
    throw ValueError("save_checkpoint: a setting's name or value is not UTF-8 text");
  }
}

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& row : c.metrics) metrics.push_back(numbers_to_json(row));
  NamedTensors tensors;
  for (auto& [key, t] : c.model) tensors.emplace_back(kModel + key, t);
  for (auto& [key, t] : c.optimizer.state) tensors.emplace_back(kOptimizer + key, t);
  std::map<std::string, std::string> metadata = {
      {"fovea.checkpoint", kFormat},
      {"optimizer.type", c.optimizer_type},
      // Group 0 where a single-group checkpoint has always kept it; further groups beside it.
      {"optimizer.hyperparameters",
       numbers_to_json(c.optimizer.param_groups.empty() ? std::map<std::string, double>{} : c.optimizer.param_groups[0])
           .dump()},
      {"epoch", std::to_string(c.epoch)},
      {"step", std::to_string(c.step)},
      {"epoch_step", std::to_string(c.epoch_step)},
      {"partial_metrics", numbers_to_json(c.partial_metrics).dump()},
      {"metrics", metrics.dump()},
      {"config", config_text(c.config)},
  };
  for (size_t g = 1; g < c.optimizer.param_groups.size(); ++g)
    metadata[kParamGroup + std::to_string(g)] = numbers_to_json(c.optimizer.param_groups[g]).dump();
  for (auto& [name, value] : c.scheduler) metadata[kScheduler + name] = value;
  for (auto& [name, state] : c.generators) metadata[kGenerator + name] = state;
  save_safetensors(path, tensors, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsFile file = read_safetensors(path);
  const auto& m = file.metadata;
  if (field(path, m, "fovea.checkpoint") != kFormat)
    throw IOError(path + ": checkpoint format " + support::quote(m.at("fovea.checkpoint"), 40) +
                  ", this fovea reads format " + kFormat);
  Checkpoint c;
  for (auto& [key, t] : file.tensors) {
    if (key.rfind(kModel, 0) == 0)
      c.model.emplace_back(key.substr(kModel.size()), t);
    else if (key.rfind(kOptimizer, 0) == 0)
      c.optimizer.state.emplace_back(key.substr(kOptimizer.size()), t);
    else
      throw IOError(path + ": checkpoint tensor " + support::quote(key) + " is neither model.* nor optimizer.*");
  }
  c.optimizer_type = field(path, m, "optimizer.type");
  c.optimizer.param_groups.push_back(numbers_from_json(
      path, "optimizer.hyperparameters",
      parse_bounded(path, "optimizer.hyperparameters", field(path, m, "optimizer.hyperparameters"))));
  // Groups 1, 2, ... in order; a gap ends them (a missing group is then reported by
  // load_state_dict as a wrong number of groups).
  for (size_t g = 1; m.count(kParamGroup + std::to_string(g)); ++g) {
    const std::string name = kParamGroup + std::to_string(g);
    c.optimizer.param_groups.push_back(numbers_from_json(path, name, parse_bounded(path, name, m.at(name))));
  }
  // Any other "optimizer.param_groups.*" (group 0, a gap, a name that is no number) is not what
  // save_checkpoint writes: refused rather than dropped.
  for (auto it = m.lower_bound(kParamGroup); it != m.end() && it->first.rfind(kParamGroup, 0) == 0; ++it) {
    const std::string suffix = it->first.substr(kParamGroup.size());
    const bool read = !suffix.empty() && suffix[0] != '0' && suffix.size() <= 6 &&
                      suffix.find_first_not_of("0123456789") == std::string::npos &&
                      std::stoul(suffix) < c.optimizer.param_groups.size();
    if (!read)
      throw IOError(path + ": checkpoint field " + support::quote(it->first, 60) +
                    " is not a parameter group 1.." + std::to_string(c.optimizer.param_groups.size()) +
                    " numbered without gaps (group 0 is 'optimizer.hyperparameters')");
  }
  for (auto& [name, value] : m)
    if (name.rfind(kScheduler, 0) == 0) {
      FOVEA_CHECK(value.size() <= 4096, IOError, path, ": checkpoint field '", name, "' is ", value.size(),
                  " bytes, expected at most 4096");
      c.scheduler[name.substr(kScheduler.size())] = value;
    }
  c.epoch = parse_count(path, "epoch", field(path, m, "epoch"));
  c.step = parse_count(path, "step", field(path, m, "step"));
  c.epoch_step = parse_count(path, "epoch_step", field(path, m, "epoch_step"));
  c.partial_metrics =
      numbers_from_json(path, "partial_metrics", parse_bounded(path, "partial_metrics", field(path, m, "partial_metrics")));
  const nlohmann::json metrics = parse_bounded(path, "metrics", field(path, m, "metrics"));
  if (!metrics.is_array()) throw IOError(path + ": checkpoint field 'metrics' is malformed: expected an array of rows");
  for (const auto& row : metrics) c.metrics.push_back(numbers_from_json(path, "metrics", row));
  c.config = parse_json<std::map<std::string, std::string>>(path, "config", field(path, m, "config"));
  for (auto& [name, value] : m)
    if (name.rfind(kGenerator, 0) == 0)
      c.generators[name.substr(kGenerator.size())] = generator_state(path, name.substr(kGenerator.size()), value);
  return c;
}

}  // namespace fovea::io
