// ThreadGovernor against a simulated machine: step times for each thread count, quiet or shared.
// On a quiet machine it keeps every thread and probes ever less often; when another process
// takes a core it drops to the faster, smaller team within a few steps; when the core comes
// free it grows back.
#include "fovea/train/thread_governor.hpp"

#include <gtest/gtest.h>

using fovea::train::ThreadGovernor;

namespace {

// The seed's step on 2 cores: 1 thread 1.6x slower than 2 when quiet; on a shared machine the
// 2-thread team waits for its descheduled thread (5x slower), 1 thread runs on the free core.
double step_time(int threads, bool shared) {
  if (threads == 2) return shared ? 5.0 : 1.0;
  return shared ? 1.7 : 1.6;
}

struct SimulatedRun {
  ThreadGovernor governor{ThreadGovernor::Options{.max_threads = 2}};
  int threads = 2;
  double total = 0.0;
  int64_t steps_at_two = 0;
  void steps(int64_t n, bool shared) {
    for (int64_t i = 0; i < n; ++i) {
      const double t = step_time(threads, shared);
      total += t;
      steps_at_two += threads == 2;
      threads = governor.after_step(t);
    }
  }
};

}  // namespace

TEST(ThreadGovernor, OnAQuietMachineKeepsEveryThreadAndProbesLessAndLess) {
  SimulatedRun run;
  run.steps(5000, /*shared=*/false);
  EXPECT_EQ(run.threads, 2);
  EXPECT_EQ(run.governor.changes(), 0);
  // Probing one thread fewer costs: at most 2% over always running 2 threads.
  EXPECT_LT(run.total, 1.02 * 5000 * step_time(2, false));
}

TEST(ThreadGovernor, DropsToTheFasterTeamWhenACoreIsTakenAndGrowsBackWhenItIsFree) {
  SimulatedRun run;
  run.steps(200, false);
  ASSERT_EQ(run.threads, 2);
  run.steps(40, true);  // another process starts: the slowdown triggers a probe at once
  EXPECT_EQ(run.threads, 1);
  run.total = 0;
  run.steps(3000, true);
  EXPECT_EQ(run.threads, 1);
  // Shared machine: within 1.5x of running one thread throughout, probes up included.
  EXPECT_LT(run.total, 1.5 * 3000 * step_time(1, true));
  run.steps(2000, false);  // the other process ends: an up-probe finds two threads faster again
  EXPECT_EQ(run.threads, 2);
}

TEST(ThreadGovernor, StartingOnASharedMachineFindsOneThreadAfterWarmUp) {
  SimulatedRun run;
  run.steps(40, true);
  EXPECT_EQ(run.threads, 1);
  EXPECT_LE(run.steps_at_two, 20 + 6 + 1) << "warm-up plus one measured window at two threads";
}

TEST(ThreadGovernor, OneThreadIsNeverProbed) {
  ThreadGovernor governor({.max_threads = 1});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(governor.after_step(1.0), 1);
}
