// Loading a trained CNNNet from a file: fovea's own weights, a checkpoint, or PyTorch's state_dict.
#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fovea/io/safetensors.hpp"

namespace fovea::inference {

std::shared_ptr<models::CNNNet> load_cnn_net(const std::string& path) {
  io::SafetensorsFile file = io::read_safetensors(path);
  NamedTensors weights;
  if (file.metadata.count("fovea.checkpoint")) {
    weights = io::load_checkpoint(path).model;
  } else {
    weights = std::move(file.tensors);
  }
  auto model = std::make_shared<models::CNNNet>();
  try {
    model->load_state_dict(weights);
  } catch (const Error& e) {
    throw IOError(path + ": not the weights of the seed's CNN_net: " + e.what());
  }
  model->eval();
  return model;
}

}  // namespace fovea::inference
