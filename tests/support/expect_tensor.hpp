#pragma once
// Small checks shared by the op tests: the message of the error a call throws, a tensor's shape
// and values at once, and the small tensors the examples are written on.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/tensor.hpp"

namespace fovea::testing {

// The message of the error of type E (any fovea::Error by default) that `fn` throws, or
// "(no error)" (an error of another type propagates and fails the test).
template <typename E = Error, typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

// Each of `parts` appears in `message` (an error's text).
inline void expect_contains(const std::string& message, std::initializer_list<const char*> parts) {
  for (const char* part : parts) EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
}

inline void expect_values(const Tensor& t, const Shape& shape, const std::vector<float>& values) {
  ASSERT_EQ(t.shape(), shape);
  EXPECT_EQ(t.to_vector(), values);
}

// torch.arange(12.).reshape(3, 4) and torch.arange(24.).reshape(2, 3, 4): values that name their
// own position, so an expected result shows where each element came from.
inline Tensor grid() { return arange(0, 12).reshape({3, 4}); }
inline Tensor cube() { return arange(0, 24).reshape({2, 3, 4}); }

}  // namespace fovea::testing
