// The state refill of MT19937-64, compiled once per instruction set (kernels/cpu/dispatch.hpp).
// It is most of a random draw's cost: 312 words of 64-bit shifts, masks and selects, which AVX2
// does four at a time and plain x86-64's SSE2 barely vectorises.
#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
constexpr int kWords = 312, kShift = 156;  // n and m of MT19937-64
constexpr uint64_t kMatrix = 0xB5026F5AA96619E9ULL, kUpper = ~0ULL << 31, kLower = ~kUpper;

inline uint64_t twist(uint64_t upper, uint64_t lower, uint64_t shifted) {
  const uint64_t y = (upper & kUpper) | (lower & kLower);
  return shifted ^ (y >> 1) ^ ((y & 1) ? kMatrix : 0);
}
}  // namespace

void mt19937_64_refill(uint64_t* s) {
  // Three loops where the reference has one with modulo indices, as libstdc++ does: in each,
  // every word read ahead of the write is still the old one, or was written at least 156 words
  // earlier, so the compiler may vectorise.
  for (int i = 0; i < kWords - kShift; ++i) s[i] = twist(s[i], s[i + 1], s[i + kShift]);
  for (int i = kWords - kShift; i < kWords - 1; ++i) s[i] = twist(s[i], s[i + 1], s[i + kShift - kWords]);
  s[kWords - 1] = twist(s[kWords - 1], s[0], s[kShift - 1]);
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE

// ---- Philox4x32-10: dropout's counter-based random numbers ----

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {
constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;  // multipliers
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;  // key schedule (Weyl)
constexpr int64_t kChunk = 64;          // elements from 16 blocks of 4 words (kernels.hpp: the layout)
constexpr int64_t kParallelChunks = 1024;  // 64 Ki elements: below, one thread

// The 64 uniforms of chunk c into out[0..64): 16 counters side by side, so that each of the
// 10 rounds is a handful of 16-lane vector operations (one AVX-512 register per word).
inline void philox_chunk(uint32_t k0, uint32_t k1, uint64_t c, float* out) {
#pragma omp simd
  for (int j = 0; j < 16; ++j) {
    const uint64_t block = c * 16 + static_cast<uint64_t>(j);
    uint32_t x0 = static_cast<uint32_t>(block), x1 = static_cast<uint32_t>(block >> 32), x2 = 0, x3 = 0;
    uint32_t key0 = k0, key1 = k1;
    for (int r = 0; r < 10; ++r) {
      const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * x0, p1 = static_cast<uint64_t>(kPhiloxM1) * x2;
      const uint32_t y0 = static_cast<uint32_t>(p1 >> 32) ^ x1 ^ key0, y1 = static_cast<uint32_t>(p1),
                     y2 = static_cast<uint32_t>(p0 >> 32) ^ x3 ^ key1, y3 = static_cast<uint32_t>(p0);
      x0 = y0, x1 = y1, x2 = y2, x3 = y3;
      key0 += kPhiloxW0, key1 += kPhiloxW1;
    }
    out[j] = static_cast<float>(x0 >> 8) * (1.0f / 16777216.0f);
    out[16 + j] = static_cast<float>(x1 >> 8) * (1.0f / 16777216.0f);
    out[32 + j] = static_cast<float>(x2 >> 8) * (1.0f / 16777216.0f);
    out[48 + j] = static_cast<float>(x3 >> 8) * (1.0f / 16777216.0f);
  }
}
}  // namespace

void philox_uniform(int64_t n, uint64_t key, float* out) {
  const uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  const int64_t full = n / kChunk;
#pragma omp parallel for schedule(static) if (full > kParallelChunks)
  for (int64_t c = 0; c < full; ++c) philox_chunk(k0, k1, static_cast<uint64_t>(c), out + c * kChunk);
  if (full * kChunk < n) {
    float tail[kChunk];
    philox_chunk(k0, k1, static_cast<uint64_t>(full), tail);
    for (int64_t i = full * kChunk; i < n; ++i) out[i] = tail[i - full * kChunk];
  }
}

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
