#include "fovea/train/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>

namespace fovea::train {
namespace {

// "1:05:09", "4:07", "0:00"; "?" before anything can be estimated.
std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (total >= 3600)
    std::snprintf(buf, sizeof buf, "%" PRId64 ":%02" PRId64 ":%02" PRId64, total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%" PRId64 ":%02" PRId64, total / 60, total % 60);
  return buf;
}

int terminal_width(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

ProgressLine::ProgressLine(std::FILE* out, double min_interval_seconds, int width)
    : out_(out), min_interval_(min_interval_seconds), fixed_width_(width) {}

std::string ProgressLine::format(int64_t epoch, const char* phase, int64_t done, int64_t total,
                                 double images_per_second, double loss, double accuracy, double elapsed_seconds,
                                 double remaining_seconds) {
  const int digits = static_cast<int>(std::to_string(total).size());
  char buf[256];
  std::snprintf(buf, sizeof buf, "epoch %" PRId64 " %-5s %*" PRId64 "/%" PRId64 "  %.0f img/s  loss %.4f  acc %.4f  %s<%s",
                epoch, phase, digits, done, total, images_per_second, loss, accuracy, clock_text(elapsed_seconds).c_str(),
                clock_text(remaining_seconds).c_str());
  return buf;
}

void ProgressLine::start_phase(int64_t done_before) {
  width_ = fixed_width_ > 0 ? fixed_width_ : terminal_width(out_);
  phase_start_ = Clock::now();
  last_draw_.reset();  // the first step draws at once
  done_at_start_ = done_before;
  samples_at_start_ = -1;  // taken from the first report of the phase
}

void ProgressLine::on_epoch_begin(int64_t /*epoch*/, int64_t first_step, int64_t /*steps_in_epoch*/) {
  start_phase(first_step);
}

void ProgressLine::on_train_step(const TrainStep& s) {
  show(s.epoch, "train", s.step_in_epoch, s.steps_in_epoch, s.batch.size(), s.running, s.step_in_epoch == s.steps_in_epoch);
}

void ProgressLine::on_eval_begin(int64_t /*epoch*/, int64_t /*batches*/) { start_phase(0); }

void ProgressLine::on_eval_batch(const EvalBatch& b) {
  show(b.epoch, "test", b.batch_index, b.batches, b.batch.size(), b.running, false);
  // The epoch's own lines come next: leave the terminal as it was.
  if (b.batch_index == b.batches) clear();
}

void ProgressLine::show(int64_t epoch, const char* phase, int64_t done, int64_t total, int64_t batch_samples,
                        const MetricsAccumulator& running, bool last) {
  const Clock::time_point now = Clock::now();
  const int64_t samples = running.sums().samples;
  // The phase's first batch: what the running sums held before it (a resumed epoch's earlier
  // steps) was not done in this phase's time.
  if (samples_at_start_ < 0) samples_at_start_ = samples - batch_samples;
  if (!last && last_draw_ && std::chrono::duration<double>(now - *last_draw_).count() < min_interval_) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - phase_start_).count();
  const int64_t done_here = done - done_at_start_;
  const double rate = elapsed > 0 ? static_cast<double>(samples - samples_at_start_) / elapsed : 0.0;
  const double remaining = done_here > 0 ? elapsed / static_cast<double>(done_here) * static_cast<double>(total - done) : NAN;
  const Metrics m = running.result();
  std::string line = format(epoch, phase, done, total, rate, m.loss, m.accuracy, elapsed, remaining);
  if (static_cast<int>(line.size()) >= width_) line.resize(static_cast<size_t>(std::max(width_ - 1, 0)));
  // \r back to the start, the text, then erase what a longer earlier line left (ESC [ K).
  std::fprintf(out_, "\r%s\033[K", line.c_str());
  std::fflush(out_);
  shown_ = true;
}

void ProgressLine::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  shown_ = false;
}

}  // namespace fovea::train
