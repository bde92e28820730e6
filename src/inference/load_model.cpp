// Loading a trained model from a file: fovea's own weights, a checkpoint, or PyTorch's state_dict.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/model_file.hpp"
#include "fovea/models/registry.hpp"

namespace fovea::inference {

namespace {

// The weights and the model they are for, from a weights file or a checkpoint: a registry name,
// or the text of a model description (models/model_file.hpp).
struct Weights {
  NamedTensors tensors;
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> classes, input;  // kClassesKey's JSON list and kInputKey
};

Weights read_weights(const std::string& path) {
  io::SafetensorsFile file = io::read_safetensors(path);
  auto find = [](const std::map<std::string, std::string>& m, const std::string& key) -> std::optional<std::string> {
    auto it = m.find(key);
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  if (file.metadata.count("fovea.checkpoint")) {
    io::Checkpoint c = io::load_checkpoint(path);
    return {std::move(c.model), find(c.config, "model").value_or(models::kDefaultModel),
            find(c.config, "model-description"), find(c.config, "classes"), find(c.config, "input")};
  }
  return {std::move(file.tensors), find(file.metadata, models::kModelNameKey).value_or(models::kDefaultModel),
          find(file.metadata, models::kModelDescriptionKey), find(file.metadata, kClassesKey),
          find(file.metadata, kInputKey)};
}

std::vector<std::string> class_names(const std::string& json, const std::string& path) {
  std::vector<std::string> names;
  try {
    for (const auto& name : nlohmann::json::parse(json)) names.push_back(name.get<std::string>());
  } catch (const nlohmann::json::exception&) {
    throw IOError(path + ": the class names it keeps are not a JSON list of texts");
  }
  return names;
}

InputKind input_kind(const std::optional<std::string>& input, const std::string& path) {
  if (!input || *input == "digit") return InputKind::Digit;
  if (*input == "resized") return InputKind::Resized;
  throw IOError(path + ": unknown input kind '" + *input + "'; expected digit or resized");
}

void load_into(nn::Module& model, const NamedTensors& weights, const std::string& path, const std::string& name) {
  try {
    model.load_state_dict(weights);
  } catch (const Error& e) {
    throw IOError(path + ": not the weights of " + (name == models::kDefaultModel ? "the seed's CNN_net" : name) +
                  ": " + e.what());
  }
  model.eval();
}

}  // namespace

LoadedModel load_model(const std::string& path) {
  Weights w = read_weights(path);
  const std::vector<std::string> classes = w.classes ? class_names(*w.classes, path) : std::vector<std::string>{};
  nn::ModulePtr model;
  if (w.description) {
    // The description was checked when the model was trained; a file edited since is still
    // parsed with every check, and errors name the file it came in.
    try {
      model = models::parse_model_description(*w.description, path + " (its model description)").model;
    } catch (const ValueError& e) {
      throw IOError(e.what());
    }
    w.name = "the model described in " + path;
  } else {
    try {
      model = models::create_model(w.name, classes.empty() ? 10 : static_cast<int64_t>(classes.size()));
    } catch (const ValueError& e) {
      throw IOError(path + ": " + e.what());
    }
  }
  load_into(*model, w.tensors, path, w.name);
  return {model, w.name, classes, input_kind(w.input, path)};
}

std::shared_ptr<models::CNNNet> load_cnn_net(const std::string& path) {
  Weights w = read_weights(path);
  if (w.description) throw IOError(path + ": holds the weights of a model described in text, not of the seed's CNN_net");
  if (w.name != models::kDefaultModel)
    throw IOError(path + ": holds the weights of " + w.name + ", not of the seed's CNN_net");
  auto model = std::make_shared<models::CNNNet>();
  load_into(*model, w.tensors, path, w.name);
  return model;
}

}  // namespace fovea::inference
