#include "fovea/random.hpp"

#include <cmath>

namespace fovea {

float Generator::normal() {
  // Box-Muller on (0, 1]: u1 never 0, so log is finite.
  float u1 = 1.0f - uniform();
  float u2 = uniform();
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.283185307179586f * u2);
}

uint64_t Generator::below(uint64_t n) {
  // Rejection sampling: no modulo bias, and the same sequence on every platform
  // (std::uniform_int_distribution is implementation-defined).
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return x % n;
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().seed(seed); }

}  // namespace fovea
