#pragma once
// fovea::save / fovea::load: a model's weights in a safetensors file under PyTorch's state_dict
// keys, as torch.save(model.state_dict(), ...) / model.load_state_dict(...) with the safetensors
// package (safetensors.torch.save_file / load_file) -- the file PyTorch users exchange.
//
//   fovea::save("model.safetensors", model);   // model.state_dict(), written atomically
//   fovea::load("model.safetensors", model);   // strict: every key, every shape
//   fovea::NamedTensors t = fovea::load("model.safetensors");
#include <string>

#include "fovea/nn/module.hpp"
#include "fovea/tensor.hpp"

namespace fovea {

// Writes module.state_dict() (or `tensors`) through a temporary file renamed into place.
void save(const std::string& path, const nn::Module& module);
void save(const std::string& path, const NamedTensors& tensors);

// The tensors of a safetensors file, in the file's order. Throws IOError naming the file when it
// is missing, truncated or not safetensors.
NamedTensors load(const std::string& path);
// Loads the file into `module` (load_state_dict). A file whose keys or shapes do not fit throws
// one IOError naming the file and every missing, unexpected and mis-shaped key; the module is
// left as it was.
nn::LoadStateDictResult load(const std::string& path, nn::Module& module, bool strict = true);

}  // namespace fovea
