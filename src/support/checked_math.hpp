#pragma once
// Arithmetic on counts that come from a file. A reader multiplies dimensions and element sizes it
// has not yet checked; a plain `a * b` wraps around (unsigned) or is undefined (signed), and a
// wrapped size passes a "does it fit the file" test it should fail. Every such size goes through
// these, which report overflow instead of wrapping. Below every layer: plain integers only.
#include <cstdint>
#include <optional>
#include <type_traits>

namespace fovea::support {

// a * b and a + b, or false (and `out` unspecified) when the exact result does not fit in T.
template <typename T>
[[nodiscard]] constexpr bool checked_mul(T a, T b, T& out) {
  static_assert(std::is_integral_v<T>);
  return !__builtin_mul_overflow(a, b, &out);
}
template <typename T>
[[nodiscard]] constexpr bool checked_add(T a, T b, T& out) {
  static_assert(std::is_integral_v<T>);
  return !__builtin_add_overflow(a, b, &out);
}

// The product of `dims` (each >= 0) when it is at most `limit`, else nullopt; a negative dim is
// nullopt too. Never overflows: it stops as soon as the running product passes the limit (a zero
// dim later on would still make the product 0, so that case is checked first).
template <typename Range>
[[nodiscard]] std::optional<uint64_t> checked_product(const Range& dims, uint64_t limit) {
  bool has_zero = false;
  for (auto d : dims) {
    if (d < 0) return std::nullopt;
    has_zero = has_zero || d == 0;
  }
  if (has_zero) return 0;
  uint64_t product = 1;
  for (auto d : dims)
    if (!checked_mul(product, static_cast<uint64_t>(d), product) || product > limit) return std::nullopt;
  return product;
}

}  // namespace fovea::support
