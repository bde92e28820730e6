// Convolution + ReLU + 2x2 max pooling in one pass, for a first layer with few input channels
// (conv_relu_pool.cpp says when it applies and prepares the operands). Compiled once per
// instruction set (dispatch.hpp).
//
// Why: with one input channel a convolution does 9 multiply-adds per output and oneDNN runs it at a
// fraction of the peak, writing an activation 4x the pooled one that pooling then reads back; in
// backward the gradient of that activation is mostly zeros (one element in four receives a
// pooled gradient), yet it is written in full, masked by the ReLU and read by the weight gradient.
// Here each pooled output is computed from its four convolution outputs held in registers, and the
// weight gradient reads only the pooled gradient: per pooled element, the one window position that
// won (recorded as 0..3) times the input patch there. The full-size activation never exists.
//
// Lanes are 16 output channels (nChw16c, the pooled output's layout); a `Vec` is one such block,
// which GCC maps onto one AVX-512 register, two AVX2 ones or four SSE ones.
#include <omp.h>

#include <cstdint>

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {

namespace {

constexpr int64_t kLanes = 16;
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));
typedef int32_t IVec __attribute__((vector_size(kLanes * sizeof(int32_t))));
typedef uint8_t ByteVec __attribute__((vector_size(kLanes)));
// The same, at any float's alignment and allowed to alias floats: what loads and stores go through.
// (Macros, not functions: a function taking or returning a 64-byte vector has a different ABI with
// and without AVX-512, which GCC warns about in the narrower builds.)
typedef float UnalignedVec __attribute__((vector_size(kLanes * sizeof(float)), aligned(4), may_alias));
#define load(p) (*reinterpret_cast<const UnalignedVec*>(p))
#define store(p, v) (*reinterpret_cast<UnalignedVec*>(p) = (v))
// One float in every lane, as a broadcast load. (Vec{} + x would do it with an addition first,
// which the compiler must keep, since 0 + -0 is +0: an extra dependent instruction per product.)
#define splat(x)                                                                              \
  __extension__({                                                                             \
    const float s_ = (x);                                                                     \
    static_assert(kLanes == 16, "splat lists one element per lane");                          \
    (Vec){s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_};                    \
  })
// a * b + c rounded once where the instruction set has FMA, written out rather than left to
// -ffp-contract: whether GCC contracts depends on the optimisation level and on instrumentation
// (a sanitizer build did not), and the sums must not change with the build. oneDNN's convolution
// uses FMA too, which is what makes the forward pass match it bit for bit.
// On AVX-512, lane by lane through __builtin_fmaf, which GCC turns into one 16-lane FMA (its ia32
// vector builtins would make the object refer to the C++ personality routine, which dispatch.hpp's
// rule keeps out of per-ISA files). On AVX2 GCC leaves that loop scalar, so there the product and
// sum stay as written and -ffp-contract fuses them in an optimised build: the same bits as
// oneDNN's there too, but a build that does not contract (a sanitizer's) rounds differently.
#if defined(__AVX512F__)
#define fmadd(a, b, c)                                                              \
  __extension__({                                                                   \
    const Vec fa_ = (a), fb_ = (b), fc_ = (c);                                      \
    Vec r_;                                                                         \
    for (int64_t l_ = 0; l_ < kLanes; ++l_) r_[l_] = __builtin_fmaf(fa_[l_], fb_[l_], fc_[l_]); \
    r_;                                                                             \
  })
#else
#define fmadd(a, b, c) ((a) * (b) + (c))  // no FMA instruction: two roundings, as oneDNN's SSE path
#endif

// Two pooling windows per pass where a Vec is one register (AVX-512); on narrower sets their eight
// accumulators would take all 16 of AVX2's ymm registers (two each) and spill.
#if defined(__AVX512F__)
constexpr bool kPairWindows = true;
#else
constexpr bool kPairWindows = false;
#endif

struct Geometry {
  int64_t taps, padded_h, padded_w, pooled_h, pooled_w, channel_blocks;
};

Geometry geometry(const Conv2dShape& s) {
  return {s.in_channels * s.kernel_h * s.kernel_w, s.in_h + 2 * s.pad_h, s.in_w + 2 * s.pad_w, s.out_h() / 2,
          s.out_w() / 2, (s.out_channels + kLanes - 1) / kLanes};
}

// Offsets of the taps (c, kh, kw), in OIHW order, within one padded image.
void tap_offsets(const Conv2dShape& s, const Geometry& g, int64_t* offsets) {
  int64_t t = 0;
  for (int64_t c = 0; c < s.in_channels; ++c)
    for (int64_t kh = 0; kh < s.kernel_h; ++kh)
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) offsets[t++] = (c * g.padded_h + kh) * g.padded_w + kw;
}

// The loops, noexcept: nothing in them throws, and saying so keeps the object free of the C++
// personality routine that dispatch.hpp's rule keeps out of per-ISA files (GCC otherwise wraps
// the OpenMP region in a must-not-throw handler).
void forward(const Conv2dShape& s, const float* padded_input, const float* packed_weight, const float* packed_bias,
             float* output, uint8_t* window) noexcept {
  const Geometry g = geometry(s);
  int64_t offsets[kConvReluPoolMaxTaps];
  tap_offsets(s, g, offsets);
  const int64_t image = s.in_channels * g.padded_h * g.padded_w, pooled = g.pooled_h * g.pooled_w;
#pragma omp parallel for schedule(static)
  for (int64_t task = 0; task < s.batch * g.channel_blocks; ++task) {
    const int64_t n = task / g.channel_blocks, block = task % g.channel_blocks;
    const float* x = padded_input + n * image;
    const float* w = packed_weight + block * g.taps * kLanes;
    const Vec bias = load(packed_bias + block * kLanes);
    float* out = output + task * pooled * kLanes;
    uint8_t* win = window + task * pooled * kLanes;
    // The four convolution outputs of a window, pooled, ReLU'd and stored with the winner's place.
    auto finish = [&](const Vec& a0, const Vec& a1, const Vec& a2, const Vec& a3, int64_t o) {
      // PyTorch's max pooling: the first maximum wins, and NaN wins over anything.
      Vec best = a0;
      IVec arg = {};
      IVec take = (a1 > best) | (a1 != a1);
      best = take ? a1 : best, arg = take ? IVec{} + 1 : arg;
      take = (a2 > best) | (a2 != a2);
      best = take ? a2 : best, arg = take ? IVec{} + 2 : arg;
      take = (a3 > best) | (a3 != a3);
      best = take ? a3 : best, arg = take ? IVec{} + 3 : arg;
      // ReLU after the max equals the max after ReLU; NaN stays NaN, as in PyTorch's relu.
      best = (best > 0.0f) | (best != best) ? best : Vec{};
      store(out + o, best);
      const ByteVec bytes = __builtin_convertvector(arg, ByteVec);
      __builtin_memcpy(win + o, &bytes, sizeof bytes);
    };
    for (int64_t ph = 0; ph < g.pooled_h; ++ph) {
      const float* row = x + 2 * ph * g.padded_w;
      int64_t pw = 0;
      // Two windows side by side where registers allow (AVX-512: 8 accumulators of 32): eight
      // independent chains of multiply-adds keep both FMA units busy through their latency, where
      // one window's four left them half idle. The sums are the same, tap by tap, in the same order.
      for (; kPairWindows && pw + 2 <= g.pooled_w; pw += 2) {
        const float* corner = row + 2 * pw;
        Vec a0 = {}, a1 = {}, a2 = {}, a3 = {}, b0 = {}, b1 = {}, b2 = {}, b3 = {};
        for (int64_t t = 0; t < g.taps; ++t) {
          const Vec wt = load(w + t * kLanes);
          const float* p = corner + offsets[t];
          const float* q = p + g.padded_w;
          a0 = fmadd(splat(p[0]), wt, a0);
          a1 = fmadd(splat(p[1]), wt, a1);
          b0 = fmadd(splat(p[2]), wt, b0);
          b1 = fmadd(splat(p[3]), wt, b1);
          a2 = fmadd(splat(q[0]), wt, a2);
          a3 = fmadd(splat(q[1]), wt, a3);
          b2 = fmadd(splat(q[2]), wt, b2);
          b3 = fmadd(splat(q[3]), wt, b3);
        }
        finish(a0 + bias, a1 + bias, a2 + bias, a3 + bias, (ph * g.pooled_w + pw) * kLanes);
        finish(b0 + bias, b1 + bias, b2 + bias, b3 + bias, (ph * g.pooled_w + pw + 1) * kLanes);
      }
      for (; pw < g.pooled_w; ++pw) {
        // The window's four outputs (top left, top right, bottom left, bottom right), together.
        const float* corner = row + 2 * pw;
        // Taps in OIHW order from zero, the bias last: oneDNN's order, so that the fused layer gives
        // the layer-by-layer path's numbers bit for bit.
        Vec a0 = {}, a1 = {}, a2 = {}, a3 = {};
        for (int64_t t = 0; t < g.taps; ++t) {
          const Vec wt = load(w + t * kLanes);
          const float* p = corner + offsets[t];
          a0 = fmadd(splat(p[0]), wt, a0);
          a1 = fmadd(splat(p[1]), wt, a1);
          a2 = fmadd(splat(p[g.padded_w]), wt, a2);
          a3 = fmadd(splat(p[g.padded_w + 1]), wt, a3);
        }
        finish(a0 + bias, a1 + bias, a2 + bias, a3 + bias, (ph * g.pooled_w + pw) * kLanes);
      }
    }
  }
}

// One image's block of 16 channels, for the weight gradient: its padded input, pooled output,
// pooled gradient and winners, and the 16-lane sums (taps, then the bias) it adds to.
struct TaskOperands {
  const float* x;
  const float* y;
  const float* gy;
  const uint8_t* win;
  float* gw;
};

// kTaps fixed (9: a 3x3 kernel on one channel, the usual first layer): the tap loop unrolls and the
// sums stay in registers through the task instead of going to memory and back at every window.
// 0: any count, the sums in memory. The same additions in the same order either way.
template <int64_t kTaps>
void accumulate_task(const Geometry& g, const int64_t* offsets, const TaskOperands& t) noexcept {
  const int64_t taps = kTaps ? kTaps : g.taps;
  Vec sums[kTaps ? kTaps : 1];
  if constexpr (kTaps > 0)
    for (int64_t i = 0; i < kTaps; ++i) sums[i] = load(t.gw + i * kLanes);
  Vec gb = load(t.gw + taps * kLanes);
  for (int64_t ph = 0; ph < g.pooled_h; ++ph)
    for (int64_t pw = 0; pw < g.pooled_w; ++pw) {
      const int64_t o = (ph * g.pooled_w + pw) * kLanes;
      // Through the ReLU: the gradient passes where the pooled output is positive.
      const Vec gv = load(t.y + o) > 0.0f ? load(t.gy + o) : Vec{};
      ByteVec bytes;
      __builtin_memcpy(&bytes, t.win + o, sizeof bytes);
      const IVec arg = __builtin_convertvector(bytes, IVec);
      // Each lane's gradient goes to the one window position that won; the others get zero.
      const Vec g0 = arg == 0 ? gv : Vec{}, g1 = arg == 1 ? gv : Vec{};
      const Vec g2 = arg == 2 ? gv : Vec{}, g3 = arg == 3 ? gv : Vec{};
      gb += gv;
      const float* corner = t.x + 2 * ph * g.padded_w + 2 * pw;
#pragma GCC unroll 9
      for (int64_t i = 0; i < taps; ++i) {
        const float* p = corner + offsets[i];
        Vec sum = splat(p[0]) * g0;
        sum = fmadd(splat(p[1]), g1, sum);
        sum = fmadd(splat(p[g.padded_w]), g2, sum);
        sum = fmadd(splat(p[g.padded_w + 1]), g3, sum);
        if constexpr (kTaps > 0)
          sums[i] += sum;
        else
          store(t.gw + i * kLanes, load(t.gw + i * kLanes) + sum);
      }
    }
  if constexpr (kTaps > 0)
    for (int64_t i = 0; i < kTaps; ++i) store(t.gw + i * kLanes, sums[i]);
  store(t.gw + taps * kLanes, gb);
}

void backward_weight(const Conv2dShape& s, const float* padded_input, const float* output, const uint8_t* window,
                     const float* grad_output, float* partials, int64_t threads) noexcept {
  const Geometry g = geometry(s);
  int64_t offsets[kConvReluPoolMaxTaps];
  tap_offsets(s, g, offsets);
  const int64_t image = s.in_channels * g.padded_h * g.padded_w, pooled = g.pooled_h * g.pooled_w;
  const int64_t tasks = s.batch * g.channel_blocks, per_thread = g.channel_blocks * (g.taps + 1) * kLanes;
  // Each thread sums a fixed, contiguous range of tasks into its own partials, which the caller
  // adds in thread order: the same bits for the same thread count, without atomics.
#pragma omp parallel num_threads(threads)
  {
    const int64_t me = omp_get_thread_num(), team = omp_get_num_threads();
    float* mine = partials + me * per_thread;
    for (int64_t i = 0; i < per_thread; ++i) mine[i] = 0.0f;
    // A smaller team than asked for leaves the other partials to be zeroed by whoever is there.
    for (int64_t other = team + me; other < threads; other += team)
      for (int64_t i = 0; i < per_thread; ++i) partials[other * per_thread + i] = 0.0f;
    const int64_t begin = tasks * me / team, end = tasks * (me + 1) / team;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / g.channel_blocks, block = task % g.channel_blocks;
      const TaskOperands t{padded_input + n * image, output + task * pooled * kLanes,
                           grad_output + task * pooled * kLanes, window + task * pooled * kLanes,
                           mine + block * (g.taps + 1) * kLanes};  // taps, then the bias
      if (g.taps == 9)
        accumulate_task<9>(g, offsets, t);
      else
        accumulate_task<0>(g, offsets, t);
    }
  }
}

}  // namespace

void conv_relu_pool_16c_forward(const Conv2dShape& s, const float* padded_input, const float* packed_weight,
                                const float* packed_bias, float* output, uint8_t* window) {
  forward(s, padded_input, packed_weight, packed_bias, output, window);
}

void conv_relu_pool_16c_backward_weight(const Conv2dShape& s, const float* padded_input, const float* output,
                                        const uint8_t* window, const float* grad_output, float* partials,
                                        int64_t threads) {
  backward_weight(s, padded_input, output, window, grad_output, partials, threads);
}

#undef load
#undef store
#undef fmadd
#undef splat

}  // namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE
