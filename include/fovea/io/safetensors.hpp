#pragma once
// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
// a JSON header mapping each name to {"dtype", "shape", "data_offsets"}, then the raw data. It is
// the format PyTorch users load with safetensors.torch.load_file, and it is simple enough to read
// without a library. fovea reads and writes F32 tensors.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::io {

using fovea::NamedTensors;

// Writes through a temporary file renamed into place: an interrupted save never leaves a torn file.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The tensors in the file's order and the header's "__metadata__" (string to string).
struct SafetensorsFile {
  NamedTensors tensors;
  std::map<std::string, std::string> metadata;
};
// Throws IOError naming the file and what was expected on a missing, truncated or malformed file.
SafetensorsFile read_safetensors(const std::string& path);
// The tensors by name, as safetensors.torch.load_file returns them.
std::map<std::string, Tensor> load_safetensors(const std::string& path);

}  // namespace fovea::io
