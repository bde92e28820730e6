// Loading a trained model from a file: fovea's own weights, a checkpoint, or PyTorch's state_dict.
#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/registry.hpp"

namespace fovea::inference {

namespace {

// The weights and the model's name, from a weights file or a checkpoint.
std::pair<NamedTensors, std::string> read_weights(const std::string& path) {
  io::SafetensorsFile file = io::read_safetensors(path);
  if (file.metadata.count("fovea.checkpoint")) {
    io::Checkpoint c = io::load_checkpoint(path);
    auto it = c.config.find("model");
    return {std::move(c.model), it == c.config.end() ? models::kDefaultModel : it->second};
  }
  auto it = file.metadata.find(models::kModelNameKey);
  const std::string name = it == file.metadata.end() ? models::kDefaultModel : it->second;
  return {std::move(file.tensors), name};
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
  auto [weights, name] = read_weights(path);
  nn::ModulePtr model;
  try {
    model = models::create_model(name);
  } catch (const ValueError& e) {
    throw IOError(path + ": " + e.what());
  }
  load_into(*model, weights, path, name);
  return {model, name};
}

std::shared_ptr<models::CNNNet> load_cnn_net(const std::string& path) {
  auto [weights, name] = read_weights(path);
  if (name != models::kDefaultModel)
    throw IOError(path + ": holds the weights of " + name + ", not of the seed's CNN_net");
  auto model = std::make_shared<models::CNNNet>();
  load_into(*model, weights, path, name);
  return model;
}

}  // namespace fovea::inference
