#pragma once
// One global generator, seeded by manual_seed, drives initialisation, dropout and (unless given
// its own seed) data shuffling, so one seed fixes a run. mt19937_64 plus our own conversion to
// floats keeps the stream identical on every platform and standard library.
#include <cstdint>
#include <random>

namespace fovea {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : engine_(seed) {}
  void seed(uint64_t s) { engine_.seed(s); }
  uint64_t next_u64() { return engine_(); }
  // Uniform on [0, 1) with 24 random bits: every value is an exact float.
  float uniform() { return static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  float normal();  // Box-Muller
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n);

 private:
  std::mt19937_64 engine_;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace fovea
