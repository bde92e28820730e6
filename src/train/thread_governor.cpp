#include "fovea/train/thread_governor.hpp"

#include <algorithm>

#include "fovea/error.hpp"

namespace fovea::train {

ThreadGovernor::ThreadGovernor(Options options)
    : options_(options),
      threads_(options.max_threads),
      interval_down_(options.first_interval),
      interval_up_(options.first_interval) {
  if (options_.max_threads < 1) throw ValueError("ThreadGovernor: max_threads must be at least 1");
  if (options_.probe_steps < 2) throw ValueError("ThreadGovernor: probe_steps must be at least 2");
}

double ThreadGovernor::median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// A probe measures the current count first (the steps just before a switch), then the candidate.
void ThreadGovernor::start_probe(int candidate) {
  probe_from_ = threads_;
  probe_to_ = candidate;
  phase_ = Phase::MeasureCurrent;
  window_.clear();
  steps_in_phase_ = 0;
}

void ThreadGovernor::finish_probe() {
  const double candidate_median = median(window_);
  const bool down = probe_to_ < probe_from_;
  int64_t& interval = down ? interval_down_ : interval_up_;
  if (candidate_median * options_.required_gain < current_median_) {
    // The other count is clearly faster: keep it; probe in both directions soon again.
    threads_ = probe_to_;
    level_ = candidate_median;
    ++changes_;
    interval_down_ = interval_up_ = options_.first_interval;
  } else {
    threads_ = probe_from_;
    level_ = current_median_;
    interval = std::min(interval * 2, options_.max_interval);
  }
  phase_ = Phase::Steady;
  window_.clear();
  since_probe_ = 0;
  probe_down_next_ = !down;
}

int ThreadGovernor::after_step(double seconds) {
  ++steps_in_phase_;
  switch (phase_) {
    case Phase::Warmup:
      if (steps_in_phase_ >= options_.warmup_steps) {
        if (options_.max_threads > 1) start_probe(threads_ - 1);
        else phase_ = Phase::Steady;
      }
      return threads_;
    case Phase::MeasureCurrent:
      window_.push_back(seconds);
      if (int64_t(window_.size()) >= options_.probe_steps) {
        current_median_ = median(window_);
        window_.clear();
        steps_in_phase_ = 0;
        phase_ = Phase::MeasureCandidate;
        return probe_to_;
      }
      return threads_;
    case Phase::MeasureCandidate:
      // The first step on a new team builds its kernels: not measured.
      if (steps_in_phase_ > 1) window_.push_back(seconds);
      if (int64_t(window_.size()) >= options_.probe_steps) finish_probe();
      return phase_ == Phase::Steady ? threads_ : probe_to_;
    case Phase::Steady:
      break;
  }
  ++since_probe_;
  window_.push_back(seconds);
  if (int64_t(window_.size()) > options_.probe_steps) window_.erase(window_.begin());
  const bool slowed = int64_t(window_.size()) == options_.probe_steps &&
                      median(window_) > options_.slowdown_trigger * level_;
  const bool can_go_down = threads_ > 1, can_go_up = threads_ < options_.max_threads;
  if (slowed && can_go_down) {
    start_probe(threads_ - 1);
  } else if (can_go_down && (probe_down_next_ || !can_go_up) && since_probe_ >= interval_down_) {
    start_probe(threads_ - 1);
  } else if (can_go_up && (!probe_down_next_ || !can_go_down) && since_probe_ >= interval_up_) {
    start_probe(threads_ + 1);
  }
  return threads_;
}

}  // namespace fovea::train
