#pragma once
// Every error fovea raises derives from fovea::Error, so a program (and the CLI) can catch one type
// and print one line. The message always says what was given and what was expected.
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

// Memory ran out: the message says how much was asked for and for what.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

}  // namespace fovea
