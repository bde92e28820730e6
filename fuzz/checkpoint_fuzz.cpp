// The model files fovea reads: io::load_checkpoint (fovea train --resume) and
// inference::load_cnn_net (--model of eval, predict and export: weights, a checkpoint, or PyTorch's
// state_dict), both on the same bytes, written to an in-memory file first (fuzz_support.hpp).
// Both promise one IOError for anything that is not what they read.
#include <cstddef>
#include <cstdint>

#include "fovea/error.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/checkpoint.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fovea::fuzz::MemoryFile file;
  const std::string& path = file.write(data, size);
  try {
    const fovea::io::Checkpoint checkpoint = fovea::io::load_checkpoint(path);
    FOVEA_FUZZ_CHECK(checkpoint.epoch >= 0 && checkpoint.step >= 0);
  } catch (const fovea::IOError&) {
  }
  try {
    auto model = fovea::inference::load_cnn_net(path);
    FOVEA_FUZZ_CHECK(model != nullptr);
  } catch (const fovea::IOError&) {
  }
  return 0;
}
