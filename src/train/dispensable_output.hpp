#pragma once
// An output a run can do without (the metrics log, TensorBoard, the pictures). Before training it
// must work, and its constructor throws, so that a bad folder fails the run at once rather than
// after an hour; during training a failure (a full disk, a folder removed) must not end the run:
// the first one is reported once on stderr, and that output is off from then on. Private to
// src/train.
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

namespace fovea::train::detail {

class DispensableOutput {
 public:
  // `what` names the output in the message: "metrics log runs/metrics.jsonl".
  explicit DispensableOutput(std::string what) : what_(std::move(what)) {}

  // Runs `write` unless the output is off; an exception from it turns the output off.
  template <typename Write>
  void attempt(Write&& write) {
    if (off_) return;
    try {
      write();
    } catch (const std::exception& e) {
      off_ = true;
      std::fprintf(stderr, "fovea: warning: stopped writing the %s: %s; training goes on without it\n", what_.c_str(),
                   e.what());
      std::fflush(stderr);
    }
  }
  bool off() const { return off_; }

 private:
  std::string what_;
  bool off_ = false;
};

}  // namespace fovea::train::detail
