#pragma once
// One global generator, seeded by manual_seed, drives initialisation, dropout (through the key of
// a counter-based stream, fill_uniform_philox) and (unless given its own seed) data shuffling, so
// one seed fixes a run. MT19937-64 (std::mt19937_64's stream,
// bit for bit) plus our own conversion to floats keeps the stream identical on every platform
// and standard library.
#include <cstdint>
#include <string>

namespace fovea {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { this->seed(seed); }
  void seed(uint64_t s);
  uint64_t next_u64() {
    if (index_ == kStateWords) refill();
    return temper(state_[index_++]);
  }
  // Uniform on [0, 1) with 24 random bits: every value is an exact float.
  float uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  // n draws of uniform() in order into out (dropout's masks): the same values as n calls.
  void fill_uniform(float* out, int64_t n);
  // n uniforms on [0, 1) for dropout's masks, counter-based: one next_u64() draw keys a
  // Philox4x32-10 stream (the generator of cuRAND and of PyTorch's CUDA dropout) and out[i] is
  // that stream's element i. So each value depends on (seed, draws so far, i) only: computed in
  // vectors and on any number of threads with the same result, and the generator's state (one
  // draw further) is all a checkpoint needs to replay it. Not the values fill_uniform gives.
  void fill_uniform_philox(float* out, int64_t n);
  float normal();  // Box-Muller
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n);

  // The whole state as one line of text, for a checkpoint: after set_state(s), the draws are the
  // ones that followed the get_state() that returned s (torch.Generator's get_state/set_state).
  std::string get_state() const;
  // Throws ValueError, leaving the generator as it was, when `state` is not one get_state() wrote.
  void set_state(const std::string& state);

 private:
  // Written out rather than a std::mt19937_64 member so that the refill of the state, most of a
  // draw's cost, is a kernel that runs the CPU's widest vectors (kernels/cpu/dispatch.hpp): the
  // standard engine compiled for plain x86-64 made dropout's draws four times slower than under
  // -march=native.
  static constexpr int kStateWords = 312;
  static uint64_t temper(uint64_t x) {
    x ^= (x >> 29) & 0x5555555555555555ULL;
    x ^= (x << 17) & 0x71D67FFFEDA60000ULL;
    x ^= (x << 37) & 0xFFF7EEE000000000ULL;
    return x ^ (x >> 43);
  }
  void refill();

  uint64_t state_[kStateWords];
  int index_;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace fovea
