// IDX, raw or gzip'd, exactly as fovea reads an MNIST file: data::read_idx (the file's bytes,
// gunzipped when they start with gzip's magic bytes, then data::parse_idx), on the input written to
// an in-memory file (fuzz_support.hpp). Refusals are IOErrors; an accepted array holds exactly
// product(dims) bytes.
#include <cstddef>
#include <cstdint>

#include "fovea/data/idx.hpp"
#include "fovea/error.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fovea::fuzz::MemoryFile file;
  const std::string& path = file.write(data, size);
  try {
    const fovea::data::IdxArray array = fovea::data::read_idx(path);
    FOVEA_FUZZ_CHECK(!array.dims.empty());
    uint64_t count = 1;
    for (int64_t d : array.dims) {
      FOVEA_FUZZ_CHECK(d >= 0);
      count *= static_cast<uint64_t>(d);
    }
    FOVEA_FUZZ_CHECK(count == array.data.size());
  } catch (const fovea::IOError&) {
  }
  return 0;
}
