#include "fovea/random.hpp"

#include <cmath>

#include "kernels/cpu/kernels.hpp"

namespace fovea {

void Generator::seed(uint64_t s) {
  // std::mt19937_64's seeding; the first draw refills.
  state_[0] = s;
  for (int i = 1; i < kStateWords; ++i)
    state_[i] = 6364136223846793005ULL * (state_[i - 1] ^ (state_[i - 1] >> 62)) + uint64_t(i);
  index_ = kStateWords;
}

void Generator::refill() {
  kernels::cpu::mt19937_64_refill(state_);
  index_ = 0;
}

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
    x = next_u64();
  } while (x >= limit);
  return x % n;
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().seed(seed); }

}  // namespace fovea
