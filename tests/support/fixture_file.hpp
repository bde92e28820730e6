#pragma once
// The tensors of a committed fixture file (tests/fixtures/, written by tests/parity/make_*.py),
// loaded once per file and shared by the tests that read it.
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "fovea/io/safetensors.hpp"

namespace fovea::testing {

inline const std::map<std::string, Tensor>& fixture_file(const std::string& file) {
  static std::mutex mutex;
  static std::map<std::string, std::map<std::string, Tensor>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = loaded.find(file);
  if (it == loaded.end())
    it = loaded.emplace(file, io::load_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/" + file)).first;
  return it->second;
}

// One tensor of it; a missing name says which script to rerun.
inline const Tensor& fixture(const std::string& file, const std::string& name) {
  const auto& tensors = fixture_file(file);
  auto it = tensors.find(name);
  if (it == tensors.end()) throw std::runtime_error(name + " is not in " + file + ": rerun its tests/parity/make_*.py");
  return it->second;
}

}  // namespace fovea::testing
