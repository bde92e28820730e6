// Naive MT19937-64 refill: the recurrence as Matsumoto and Nishimura state it, one loop with
// wrap-around indices.
#include "kernels/reference/reference.hpp"

namespace fovea::kernels::reference {

void mt19937_64_refill(uint64_t* state) {
  const int n = 312, m = 156;
  const uint64_t upper = 0xFFFFFFFF80000000ULL, lower = 0x7FFFFFFFULL, a = 0xB5026F5AA96619E9ULL;
  for (int i = 0; i < n; ++i) {
    const uint64_t y = (state[i] & upper) | (state[(i + 1) % n] & lower);
    state[i] = state[(i + m) % n] ^ (y >> 1) ^ ((y & 1) ? a : 0);
  }
}

}  // namespace fovea::kernels::reference

// Naive Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011; Random123's philox4x32_R(10, ...)): one block per element, its word picked by
// kernels.hpp's layout.
namespace fovea::kernels::reference {

void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t x[4] = {counter[0], counter[1], counter[2], counter[3]};
  uint32_t k[2] = {key[0], key[1]};
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    const uint64_t p0 = uint64_t{0xD2511F53u} * x[0], p1 = uint64_t{0xCD9E8D57u} * x[2];
    const uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0), hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    const uint32_t next[4] = {hi1 ^ x[1] ^ k[0], lo1, hi0 ^ x[3] ^ k[1], lo0};
    for (int w = 0; w < 4; ++w) x[w] = next[w];
  }
  for (int w = 0; w < 4; ++w) out[w] = x[w];
}

void philox_uniform(int64_t n, uint64_t key, float* out) {
  const uint32_t k[2] = {uint32_t(key), uint32_t(key >> 32)};
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t block = uint64_t(i / 64) * 16 + uint64_t(i % 16);
    const uint32_t counter[4] = {uint32_t(block), uint32_t(block >> 32), 0, 0};
    uint32_t words[4];
    philox4x32_10(counter, k, words);
    out[i] = float(words[(i % 64) / 16] >> 8) / 16777216.0f;
  }
}

}  // namespace fovea::kernels::reference
