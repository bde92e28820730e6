#pragma once
// A small profiler for "where does the step go": wall time per named region, forward and backward.
//
// When enabled, every Module call is a region named after the module's path and type
// ("conv1.0 Conv2d"), every autograd node remembers the innermost module that created it and its
// backward is a region "conv1.0 Conv2d / ConvolutionBackward", and a program adds its own regions
// (loss, optimizer step, data loading) with Scope. Disabled (the default), a region costs one branch.
#include <cstdint>
#include <string>
#include <vector>

namespace fovea::profiler {

void enable(bool on = true);
bool enabled();
void reset();

struct Entry {
  std::string name;
  double seconds = 0.0;
  int64_t calls = 0;
};
// Every region seen since the last reset, in the order first seen.
std::vector<Entry> entries();

// The innermost module region open on this thread ("" outside any): the label nodes inherit.
const std::string& current_module();

class Scope {
 public:
  // `is_module`: the region is a module call, whose name nodes created inside it inherit.
  explicit Scope(const std::string& name, bool is_module = false);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  bool active_;
  bool is_module_;
  std::string previous_module_;
  std::string name_;
  int64_t start_ns_ = 0;
};

}  // namespace fovea::profiler
