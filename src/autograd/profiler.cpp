#include "fovea/profiler.hpp"

#include <atomic>
#include <chrono>
#include <mutex>

namespace fovea::profiler {

namespace {

std::atomic<bool> on{false};
std::mutex mutex;
std::vector<Entry>& table() {
  static std::vector<Entry> t;
  return t;
}
thread_local std::string module_label;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void enable(bool value) { on = value; }
bool enabled() { return on; }

void reset() {
  std::lock_guard<std::mutex> lock(mutex);
  table().clear();
}

std::vector<Entry> entries() {
  std::lock_guard<std::mutex> lock(mutex);
  return table();
}

const std::string& current_module() { return module_label; }

Scope::Scope(const std::string& name, bool is_module) : active_(on), is_module_(is_module) {
  if (!active_) return;
  name_ = name;
  if (is_module_) {
    previous_module_ = module_label;
    module_label = name;
  }
  start_ns_ = now_ns();
}

Scope::~Scope() {
  if (!active_) return;
  const double seconds = double(now_ns() - start_ns_) * 1e-9;
  if (is_module_) module_label = previous_module_;
  std::lock_guard<std::mutex> lock(mutex);
  for (Entry& e : table())
    if (e.name == name_) {
      e.seconds += seconds;
      ++e.calls;
      return;
    }
  table().push_back({name_, seconds, 1});
}

}  // namespace fovea::profiler
