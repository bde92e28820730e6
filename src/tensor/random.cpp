#include "fovea/random.hpp"

#include <algorithm>
#include <cmath>

#include "fovea/error.hpp"

#include "kernels/cpu/kernels.hpp"

namespace fovea {

void Generator::seed(uint64_t s) {
  // std::mt19937_64's seeding; the first draw refills.
  state_[0] = s;
  for (int i = 1; i < kStateWords; ++i)
    state_[i] = 6364136223846793005ULL * (state_[i - 1] ^ (state_[i - 1] >> 62)) + uint64_t(i);
  index_ = kStateWords;
}

void Generator::fill_uniform(float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = uniform();
}

void Generator::fill_uniform_philox(float* out, int64_t n) {
  const uint64_t key = next_u64();  // drawn even when n == 0: a call always moves the state on
  kernels::cpu::philox_uniform(n, key, out);
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

// "mt19937_64 <index> <312 words, 16 hex digits each>".
std::string Generator::get_state() const {
  static const char* digits = "0123456789abcdef";
  std::string out = "mt19937_64 " + std::to_string(index_) + " ";
  out.reserve(out.size() + kStateWords * 16);
  for (uint64_t word : state_)
    for (int shift = 60; shift >= 0; shift -= 4) out += digits[(word >> shift) & 0xF];
  return out;
}

void Generator::set_state(const std::string& state) {
  const std::string prefix = "mt19937_64 ";
  auto fail = [&](const std::string& why) {
    throw ValueError("Generator::set_state: not a state from get_state(): " + why);
  };
  if (state.rfind(prefix, 0) != 0) fail("it does not start with '" + prefix + "'");
  const size_t space = state.find(' ', prefix.size());
  if (space == std::string::npos) fail("no index");
  int index = -1;
  const std::string index_text = state.substr(prefix.size(), space - prefix.size());
  if (index_text.empty() || index_text.size() > 3 || index_text.find_first_not_of("0123456789") != std::string::npos ||
      (index = std::stoi(index_text)) > kStateWords)
    fail("index '" + index_text + "' is not in [0, " + std::to_string(kStateWords) + "]");
  const std::string hex = state.substr(space + 1);
  if (hex.size() != size_t(kStateWords) * 16)
    fail(std::to_string(hex.size()) + " hex digits, expected " + std::to_string(kStateWords * 16));
  uint64_t words[kStateWords];
  for (int i = 0; i < kStateWords; ++i) {
    uint64_t word = 0;
    for (int d = 0; d < 16; ++d) {
      const char c = hex[size_t(i) * 16 + d];
      const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) fail("'" + std::string(1, c) + "' is not a lowercase hex digit");
      word = word << 4 | uint64_t(v);
    }
    words[i] = word;
  }
  std::copy(words, words + kStateWords, state_);
  index_ = index;
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().seed(seed); }

}  // namespace fovea
