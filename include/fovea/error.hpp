#pragma once
// Every error fovea raises derives from fovea::Error, so a program (and the CLI) can catch one type
// and print one line. The message always says what was given and what was expected.
#include <sstream>
#include <stdexcept>
#include <string>

namespace fovea {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A tensor of the wrong shape reached an op or a layer.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// An argument outside its valid range (batch size 0, negative learning rate, ...).
class ValueError : public Error {
 public:
  using Error::Error;
};

// A file that is missing, unreadable, truncated or not in the expected format.
class IOError : public Error {
 public:
  using Error::Error;
};

// A network transfer that failed or delivered bytes that do not verify.
class DownloadError : public Error {
 public:
  using Error::Error;
};

// An index outside the dimension it indexes (select, index_select, gather, a target class).
class IndexError : public Error {
 public:
  using Error::Error;
};

// A tensor of a dtype the op does not take (an int64 tensor where float32 is needed, ...).
class TypeError : public Error {
 public:
  using Error::Error;
};

// fovea::autograd::gradcheck found an analytic gradient that disagrees with the finite-difference
// one, or a backward that failed: the message names the input, the element and both values.
class GradcheckError : public Error {
 public:
  using Error::Error;
};

// A bug in fovea itself, not in what it was given: raised by FOVEA_INTERNAL_ASSERT.
class InternalError : public Error {
 public:
  using Error::Error;
};

// Memory ran out: the message says how much was asked for and for what.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

namespace detail {
// Streams every part into one string: only reached once a check has failed.
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}
}  // namespace detail

}  // namespace fovea

// Checks what a caller passed in: when `cond` is false, throws ErrorType (a fovea::Error) with the
// parts streamed into one message. The parts are formatted only on failure, so a check costs one
// branch on the success path. Make each check once, where the value enters fovea.
//   FOVEA_CHECK(dim < n, fovea::IndexError, "select: index ", i, " out of range for size ", n);
#define FOVEA_CHECK(cond, ErrorType, ...)                                   \
  do {                                                                      \
    if (!(cond)) [[unlikely]]                                               \
      throw ErrorType(::fovea::detail::concat(__VA_ARGS__));                \
  } while (false)

// Checks fovea's own invariants: failing one is a bug in fovea, reported as such (InternalError,
// with the place in the source), never as the user's mistake.
#define FOVEA_INTERNAL_ASSERT(cond, ...)                                                            \
  do {                                                                                              \
    if (!(cond)) [[unlikely]]                                                                       \
      throw ::fovea::InternalError(::fovea::detail::concat(                                         \
          "internal error in fovea (please report it): ", #cond, " failed at ", __FILE__, ":",       \
          __LINE__ __VA_OPT__(, ": ", ) __VA_ARGS__));                                              \
  } while (false)
