// Float exp, log, tanh and the normal distribution (erfc) written so that GCC vectorises a loop calling them: straight-line
// arithmetic, selects instead of branches, no libm calls (libm's scalar calls keep a loop scalar).
// The polynomials and range reductions are Cephes' single-precision ones (expf, logf, tanhf,
// erfcf), accurate to a few ulp; every special case (infinities, NaN, overflow, results and
// arguments in the denormal range) is handled by selects and checked against std:: in
// tests/kernels/elementwise_kernels_test.cpp.
//
// Included INSIDE a per-ISA namespace (`namespace fovea::kernels::cpu::FOVEA_ISA_NAMESPACE {`),
// so that each instruction set gets its own copy of these functions (dispatch.hpp's rule).

namespace vec_math {

static inline float from_bits(uint32_t i) { return __builtin_bit_cast(float, i); }
static inline uint32_t to_bits(float f) { return __builtin_bit_cast(uint32_t, f); }

static constexpr float kInf = __builtin_inff();

// e^x. x = n ln2 + r with |r| <= ln2 / 2, e^r by a degree-7 polynomial, 2^n applied in two
// halves so that results in the denormal range (x down to -103.9) are rounded once and right.
static inline float exp(float x) {
  // Beyond these e^x is inf or 0 anyway; the comparisons are false for NaN, which passes through.
  x = x > 88.8f ? 88.8f : x;
  x = x < -104.0f ? -104.0f : x;
  // Round to nearest by adding and removing 1.5 * 2^23 (no fast-math here, so it is kept).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;  // ln2 in two parts: n * 0.693359375 is exact
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni / 2, n2 = ni - n1;  // each in [-75, 64]: 2^n1 and 2^n2 are normal floats
  return p * from_bits(static_cast<uint32_t>(n1 + 127) << 23) * from_bits(static_cast<uint32_t>(n2 + 127) << 23);
}

// Natural logarithm: x = m 2^e with m in [sqrt(1/2), sqrt 2), log(m) by a polynomial in m - 1.
// Written without a computation under a condition (a scale or a select of computed values):
// GCC sinks such code into a branch that it then will not if-convert (an FP operation that might
// trap is not speculated), and the loop stays scalar.
static inline float log(float x) {
  const bool denormal = x < 1.17549435e-38f;  // scaled by 2^23 into the normal range first
  const float xs = x * (denormal ? 8388608.0f : 1.0f);
  const uint32_t bits = to_bits(xs);
  int32_t e = static_cast<int32_t>((bits >> 23) & 0xffu) - 126 - (denormal ? 23 : 0);  // xs = m 2^e, m in [0.5, 1)
  float m = from_bits((bits & 0x007fffffu) | 0x3f000000u);
  const bool low = m < 0.707106781186547524f;
  e -= low ? 1 : 0;
  m = m * (low ? 2.0f : 1.0f) - 1.0f;
  const float ef = static_cast<float>(e);
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y += -2.12194440e-4f * ef;
  y += -0.5f * z;
  float r = m + y;
  r += 0.693359375f * ef;
  // log(0) = -inf, log(inf) = inf, NaN for x < 0 and NaN; chosen by masks, not branches.
  const uint32_t special = x == 0.0f ? to_bits(-kInf) : (x == kInf ? to_bits(kInf) : 0x7fc00000u);
  const uint32_t keep = (x > 0.0f) & (x < kInf) ? 0xffffffffu : 0u;
  return from_bits((to_bits(r) & keep) | (special & ~keep));
}

// tanh: an odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1) above.
static inline float tanh(float x) {
  const float ax = x < 0.0f ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  float big = 1.0f - 2.0f / (exp(ax + ax) + 1.0f);  // e^2|x| = inf gives 1
  big = x < 0.0f ? -big : big;
  return ax < 0.625f ? small : big;  // NaN takes the second branch, NaN too
}

// 1 / (1 + e^-x), computed from e = e^-|x| <= 1 so that it never overflows: e / (1 + e) for
// negative x keeps the tiny values (down to the denormals) that 1 / (1 + inf) would lose.
static inline float sigmoid(float x) {
  const float e = exp(x < 0.0f ? x : -x);
  const float s = 1.0f / (1.0f + e);
  return x < 0.0f ? e * s : s;
}

// sigmoid(x) and 1 - sigmoid(x) = sigmoid(-x) from one exp, without 1 - s's cancellation.
static inline void sigmoid_pair(float x, float& s, float& complement) {
  const float e = exp(x < 0.0f ? x : -x);
  const float r = 1.0f / (1.0f + e), er = e * r;
  s = x < 0.0f ? er : r;
  complement = x < 0.0f ? r : er;
}

// e^(-x^2 / 2) with x^2 taken exactly: x = xh + xl with xh of 12 significant bits, so xh^2 is
// exact, and e^(-xl (xh + x) / 2), whose argument is below 0.1 where the result is not 0, by a
// short series. A rounded x^2 would put an error of x^2 / 2 * 2^-24 into the exponent: dozens of
// ulps in GELU's tail.
static inline float exp_neg_half_square(float x) {
  const float xh = from_bits(to_bits(x) & 0xfffff000u);
  float b = -0.5f * ((x - xh) * (xh + x));  // <= 0
  // Below -0.25 only where x^2 / 2 is past exp's underflow and the result 0 anyway; NaN for
  // infinite x (inf - inf), where e^(-xh^2 / 2) alone is the answer.
  b = b < -0.25f ? -0.25f : (b <= 0.0f ? b : 0.0f);
  float p = 1.0f / 120.0f;
  p = p * b + 1.0f / 24.0f;
  p = p * b + 1.0f / 6.0f;
  p = p * b + 0.5f;
  p = p * b + 1.0f;
  p = p * b + 1.0f;
  return exp(-0.5f * (xh * xh)) * p;
}

// The standard normal distribution Phi(x) = erfc(t) / 2 with t = -x / sqrt 2, for GELU. erfc(t) is
// 1 - t T(t^2) for |t| < 1, else e^(-t^2) / |t| * P(1/t^2) (R above 2), reflected as 2 - erfc(-t)
// for negative t: accurate in the tail (GELU's negative side), where 1 - erf would cancel.
static inline float normal_cdf(float x) {
  const float t = x * -0.70710678118654752f;
  const float at = t < 0.0f ? -t : t;
  const float z = t * t;
  float c = 7.853861353153693e-5f;
  c = c * z - 8.010193625184903e-4f;
  c = c * z + 5.188327685732524e-3f;
  c = c * z - 2.685381193529856e-2f;
  c = c * z + 1.128358514861418e-1f;
  c = c * z - 3.761262582423300e-1f;
  c = c * z + 1.128379165726710f;
  const float near = 1.0f - t * c;
  const float q = 1.0f / at;
  const float y = q * q;
  float p = 2.326819970068386e-2f;
  p = p * y - 1.387039388740657e-1f;
  p = p * y + 3.687424674597105e-1f;
  p = p * y - 5.824733027278666e-1f;
  p = p * y + 6.210004621745983e-1f;
  p = p * y - 4.944515323274145e-1f;
  p = p * y + 3.404879937665872e-1f;
  p = p * y - 2.741127028184656e-1f;
  p = p * y + 5.638259427386472e-1f;
  float r = -1.047766399936249e+1f;
  r = r * y + 1.297719955372516e+1f;
  r = r * y - 7.495518717768503e+0f;
  r = r * y + 2.921019019210786e+0f;
  r = r * y - 1.015265279202700e+0f;
  r = r * y + 4.218463358204948e-1f;
  r = r * y - 2.820767439740514e-1f;
  r = r * y + 5.641895067754075e-1f;
  float far = exp_neg_half_square(x) * q * (at < 2.0f ? p : r);
  far = t < 0.0f ? 2.0f - far : far;
  return 0.5f * (at < 1.0f ? near : far);
}

// The standard normal density.
static inline float normal_pdf(float x) { return 0.39894228040143268f * exp_neg_half_square(x); }

}  // namespace vec_math
