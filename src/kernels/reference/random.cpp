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
