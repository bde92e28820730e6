#pragma once
// A live progress line, as tqdm's: while an epoch runs, one line redrawn in place with the epoch,
// batches done of total, images per second, the running loss and accuracy, elapsed and remaining
// time; the same for the evaluation that follows. It is for a person at a terminal: the fovea
// command attaches it only when stdout is one (or --progress asks), so logs and pipes get the
// seed's lines and nothing else.
//
// Redrawing costs a few microseconds and happens at most every `min_interval_seconds`; between
// redraws a step costs one clock read. The line is cut to the terminal's width (a wrapped line
// could not be redrawn in place) and erased before the epoch's own lines are printed.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "fovea/train/callback.hpp"

namespace fovea::train {

class ProgressLine : public Callback {
 public:
  // Writes to `out` (stdout by default), which must be a terminal for the redraws to make sense.
  // `width` 0: ask the terminal (TIOCGWINSZ) at each epoch, 80 when it cannot say.
  explicit ProgressLine(std::FILE* out = stdout, double min_interval_seconds = 0.1, int width = 0);

  void on_epoch_begin(int64_t epoch, int64_t first_step, int64_t steps_in_epoch) override;
  void on_train_step(const TrainStep& step) override;
  void on_eval_begin(int64_t epoch, int64_t batches) override;
  void on_eval_batch(const EvalBatch& batch) override;
  void on_fit_end() override { clear(); }

  // Erases the line if one is shown (before anything else is printed to the terminal).
  void clear();

  // The text of a line, for tests: "epoch 2 train  120/469  5120 img/s  loss 0.3124  acc 0.9051  0:04<0:12".
  static std::string format(int64_t epoch, const char* phase, int64_t done, int64_t total, double images_per_second,
                            double loss, double accuracy, double elapsed_seconds, double remaining_seconds);

 private:
  using Clock = std::chrono::steady_clock;
  void start_phase(int64_t done_before);
  void show(int64_t epoch, const char* phase, int64_t done, int64_t total, int64_t batch_samples,
            const MetricsAccumulator& running, bool last);

  std::FILE* out_;
  double min_interval_;
  int fixed_width_;
  int width_ = 80;
  bool shown_ = false;
  Clock::time_point phase_start_;
  std::optional<Clock::time_point> last_draw_;  // none yet in this phase (steady_clock's zero is boot, not "long ago")
  int64_t done_at_start_ = 0;     // batches already done when the phase began (a resumed epoch)
  int64_t samples_at_start_ = -1;  // the running sums' images when the phase began; -1 until its first batch
};

}  // namespace fovea::train
