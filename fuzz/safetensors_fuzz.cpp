// safetensors, as io::read_safetensors reads a file (weights, checkpoints, PyTorch's save_file).
// The parser takes a path, so each input is written to an in-memory file first (fuzz_support.hpp).
// Refusals are IOErrors; every accepted tensor's data (of any dtype) is read whole, so a tensor whose shape
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
      // Every byte of every element, whatever the dtype (F32, I64, BOOL).
      const auto* bytes = reinterpret_cast<const volatile uint8_t*>(
          tensor.dtype() == fovea::kFloat32  ? static_cast<const void*>(tensor.data_ptr<float>())
          : tensor.dtype() == fovea::kInt64 ? static_cast<const void*>(tensor.data_ptr<int64_t>())
                                            : static_cast<const void*>(tensor.data_ptr<bool>()));
      volatile uint8_t sink = 0;
      for (int64_t i = 0, n = tensor.numel() * fovea::element_size(tensor.dtype()); i < n; ++i) sink = sink ^ bytes[i];
    }
  } catch (const fovea::IOError&) {
  }
  return 0;
}
