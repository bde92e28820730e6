#pragma once
// Elastic threads for a machine that other work shares.
//
// fovea's kernels (oneDNN's and its own) split each operation evenly over an OpenMP team and wait
// for the whole team at the end. When another process is busy on one of the cores, the team's
// thread on that core runs only part of the time, and every one of the hundreds of operations in a
// training step waits for it -- often for a whole scheduler time slice. A LeNet-5 run took 6 s on
// one thread and 11 to 133 s on two while one core was busy; PyTorch, on the same OpenMP, does the
// same. Spinning less (OMP_WAIT_POLICY) cannot help: the wait is for a thread that is not running.
// What helps is a smaller team, so the governor measures.
//
// It watches the time of each full training step. After a warm-up, and whenever the step time
// rises well above the last measured level (someone else started working), it probes: a few steps
// with one thread fewer, and keeps whichever was faster by a clear margin; below the maximum it
// also probes one thread more, so the team grows back when the machine is free again. A probe that
// changes nothing is repeated ever less often (100, 200, ..., 1,600 steps), so on a quiet machine
// it costs a fraction of a percent. Between probes the team does not change.
//
// The thread count changes numbers in the last bits (reductions split differently), so a run
// whose threads were governed is reproducible only under the same load: use fixed threads
// (`fovea train --fixed-threads`) to compare runs bit for bit.
#include <cstdint>
#include <vector>

namespace fovea::train {

class ThreadGovernor {
 public:
  struct Options {
    int max_threads = 1;              // the team never grows past this (the cores, or --threads)
    int64_t warmup_steps = 20;        // the first steps build kernels and caches: not measured
    int64_t probe_steps = 6;          // steps measured per thread count in a probe
    int64_t first_interval = 100;     // steps between probes while nothing changes...
    int64_t max_interval = 1600;      // ... doubling up to this
    double slowdown_trigger = 1.3;    // a step this much slower than the level probes at once
    double required_gain = 1.1;       // a probed count must be this much faster to be kept
  };

  explicit ThreadGovernor(Options options);

  // Called after each full-size training step with its wall time; returns the thread count for the
  // next step (the caller applies it with set_num_threads when it changed).
  int after_step(double seconds);

  int threads() const { return threads_; }
  // How many times the team changed size (for reports and tests).
  int64_t changes() const { return changes_; }

 private:
  enum class Phase { Warmup, Steady, MeasureCurrent, MeasureCandidate };
  static double median(std::vector<double> values);
  void start_probe(int candidate);
  void finish_probe();

  Options options_;
  Phase phase_ = Phase::Warmup;
  int threads_;
  int probe_from_ = 0, probe_to_ = 0;
  double level_ = 0.0;  // median step time at the current count, from the last probe
  double current_median_ = 0.0;
  std::vector<double> window_;
  int64_t steps_in_phase_ = 0;
  int64_t since_probe_ = 0;
  int64_t interval_down_, interval_up_;
  bool probe_down_next_ = true;
  int64_t changes_ = 0;
};

}  // namespace fovea::train
