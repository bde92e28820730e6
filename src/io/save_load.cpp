#include "fovea/io/save_load.hpp"

#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"

namespace fovea {

void save(const std::string& path, const nn::Module& module) { io::save_safetensors(path, module.state_dict()); }

void save(const std::string& path, const NamedTensors& tensors) { io::save_safetensors(path, tensors); }

NamedTensors load(const std::string& path) { return io::read_safetensors(path).tensors; }

nn::LoadStateDictResult load(const std::string& path, nn::Module& module, bool strict) {
  NamedTensors tensors = load(path);
  try {
    return module.load_state_dict(tensors, strict);
  } catch (const ShapeError& e) {
    throw IOError(path + ": does not fit " + module.type_name() + ": " + e.what());
  }
}

}  // namespace fovea
