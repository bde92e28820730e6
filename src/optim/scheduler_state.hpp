#pragma once
// The text form of a scheduler's state_dict (optim/scheduler.hpp): numbers that read back to the
// same double, and one checker that collects every problem of a state before anything changes.
#include <map>
#include <string>
#include <vector>

#include "fovea/optim/scheduler.hpp"

namespace fovea::optim::detail {

// The shortest text that reads back to exactly `value` (std::to_chars), "inf" and "nan" included.
std::string number_text(double value);

// Reads the entries of a SchedulerState, noting each problem instead of throwing at the first.
class StateReader {
 public:
  StateReader(const SchedulerState& state, std::string who) : state_(state), who_(std::move(who)) {}
  // The number under `key`; a missing key or a malformed number is a problem (and reads as 0).
  double number(const std::string& key);
  // A whole number >= minimum.
  int64_t count(const std::string& key, int64_t minimum);
  std::string word(const std::string& key);
  // Every "<prefix><g>" for g < groups, and none beyond.
  std::vector<double> per_group(const std::string& prefix, size_t groups);
  // The argument must equal what this scheduler was made with.
  void expect_argument(const std::string& key, double expected);
  void problem(const std::string& what) { problems_.push_back(what); }
  // Throws one ValueError listing every problem, unknown keys included; returns when all fits.
  void finish();

 private:
  const SchedulerState& state_;
  std::string who_;
  std::vector<std::string> problems_;
  std::map<std::string, bool> read_;
};

}  // namespace fovea::optim::detail
