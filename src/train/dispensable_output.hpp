#pragma once
// An output a run can do without (the metrics log, TensorBoard, the pictures). Before training it
// must work, and its constructor throws, so that a bad folder fails the run at once rather than
// after an hour; during training a failure must not end the run:
//  * a write that fails (IOError: a full disk, a folder removed) is reported once on stderr, and
//    that output is off from then on;
//  * anything else (a picture that cannot be drawn from NaN weights) skips that one item, with one
//    warning per item, and the output goes on: the loss curve of a run going wrong is what the
//    user most needs to see.
// Private to src/train.
#include <cstdio>
#include <exception>
#include <set>
#include <string>
#include <utility>

#include "fovea/error.hpp"

namespace fovea::train::detail {

class DispensableOutput {
 public:
  // `what` names the output in the messages: "metrics log runs/metrics.jsonl".
  explicit DispensableOutput(std::string what) : what_(std::move(what)) {}

  // Runs `write` unless the output is off. `item` names what it makes ("curves.png").
  template <typename Write>
  void attempt(Write&& write, const std::string& item = "") {
    if (off_) return;
    try {
      write();
    } catch (const IOError& e) {
      off_ = true;
      warn("stopped writing the " + what_ + ": " + e.what() + "; training goes on without it");
    } catch (const std::exception& e) {
      if (skipped_.insert(item).second)
        warn("the " + what_ + ": skipped " + (item.empty() ? std::string("an update") : item) + " (" + e.what() +
             "); it is tried again each epoch");
    }
  }
  bool off() const { return off_; }

 private:
  static void warn(const std::string& message) {
    std::fprintf(stderr, "fovea: warning: %s\n", message.c_str());
    std::fflush(stderr);
  }

  std::string what_;
  bool off_ = false;
  std::set<std::string> skipped_;  // items already warned about
};

}  // namespace fovea::train::detail
