// safetensors, as io::read_safetensors reads a file (weights, checkpoints, PyTorch's save_file).
// The parser takes a path, so each input is written to an in-memory file first (fuzz_support.hpp).
// Refusals are IOErrors; every accepted tensor's data is read whole, so a tensor whose shape
// claims more than its storage holds shows up as an ASan report.
#include <cstddef>
#include <cstdint>

#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fovea::fuzz::MemoryFile file;
  const std::string& path = file.write(data, size);
  try {
    const fovea::io::SafetensorsFile parsed = fovea::io::read_safetensors(path);
    for (const auto& [name, tensor] : parsed.tensors) {
      FOVEA_FUZZ_CHECK(tensor.numel() == fovea::numel(tensor.shape()));
      volatile float sink = 0;
      const float* values = tensor.data();
      for (int64_t i = 0; i < tensor.numel(); ++i) sink = sink + values[i];
    }
  } catch (const fovea::IOError&) {
  }
  return 0;
}
