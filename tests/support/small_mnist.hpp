#pragma once
// A small copy of MNIST for tests that run the fovea command several times: the first `count`
// images of a split, written as the IDX files data::MNIST reads, so an epoch takes well under a
// second.
#include <cstdint>
#include <string>
#include <vector>

#include "fovea/data/mnist.hpp"
#include "support/idx_files.hpp"

namespace fovea::testing {

inline void write_small_split(const std::string& dir, bool train, uint32_t count) {
  data::MNIST full(FOVEA_MNIST_DIR, train);
  const std::string prefix = train ? "train" : "t10k";
  std::vector<uint8_t> pixels = full.pixels();
  pixels.resize(count * 28 * 28);
  std::vector<uint8_t> labels(full.labels().begin(), full.labels().begin() + count);
  write_bytes(dir + "/" + prefix + "-images-idx3-ubyte", idx_bytes({count, 28, 28}, pixels));
  write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte", idx_bytes({count}, labels));
}

}  // namespace fovea::testing
