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
