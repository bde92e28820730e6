#pragma once
// SummaryWriter: TensorBoard event files, as torch.utils.tensorboard.SummaryWriter writes them.
//
//   fovea::train::SummaryWriter writer("runs/mnist");
//   for (int64_t step = 0; step < steps; ++step) writer.add_scalar("loss/train", loss, step);
//   writer.add_histogram("conv1.weight", model.conv1.weight, epoch);
//   // tensorboard --logdir runs
//
// WHAT THIS OBJECT REPRESENTS
//   One event file, `<log_dir>/events.out.tfevents.<unix seconds>.<hostname>.<pid>.<n>` (the name
//   PyTorch gives it; n counts the writers this process opened, from 0). The file is a sequence
//   of TFRecords, each holding one serialized Event; the first says "brain.Event:2", each later one
//   carries the wall time (seconds since the epoch), the step and one tagged value.
//
// Records go through a buffered stream: flush() hands them to the operating system (no fsync),
// and so does the destructor. TensorBoard reads a file while it grows, so a run flushed now and
// then shows up live.
//
// ERRORS
//   Every failure to create, write or flush the file throws fovea::IOError with one line naming
//   the directory or file and the reason, e.g.
//     "runs/x/events.out.tfevents.1700000000.host.42.0: cannot write (No space left on device)".
//   After such a failure the writer is spent: every later add_* or flush() throws the same error.
//   The destructor never throws; it drops a failure it meets (call flush() first to see it).
//   Arguments out of range throw fovea::ValueError naming the tag, and nothing is written.
//
// Not thread-safe: one thread writes at a time (as with a std::ostream).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::train {

class SummaryWriter {
 public:
  // Creates `log_dir` (with its parents) when missing, opens a new event file in it and writes
  // and flushes the file-version record, so that a full disk shows up here already.
  explicit SummaryWriter(const std::string& log_dir);
  ~SummaryWriter();  // flush(), ignoring a failure
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  // A point on the curve `tag`. TensorBoard stores it as float32 (Summary.Value.simple_value),
  // as PyTorch's add_scalar does by default; NaN and infinities are written as they are.
  void add_scalar(const std::string& tag, double value, int64_t step);

  // An image already encoded as PNG: `png` holds the file's bytes; width, height and channels
  // (1 grey, 3 RGB, 4 RGBA) describe it, as PyTorch's add_image records them.
  // requires: png starts with the PNG signature, width > 0, height > 0, channels in {1, 3, 4}.
  void add_image(const std::string& tag, const std::vector<unsigned char>& png, int width, int height,
                 int channels, int64_t step);

  // A histogram of every element of `values` (any shape), with PyTorch's default bins
  // ("tensorflow": limits 0, +-1e-12 * 1.1^k up to 1e20, trimmed to the occupied range).
  // requires: at least one element, all finite (PyTorch lets NaN and inf through into min, max
  // and sum, where TensorBoard cannot draw them; fovea refuses them instead).
  void add_histogram(const std::string& tag, const Tensor& values, int64_t step);
  void add_histogram(const std::string& tag, const std::vector<float>& values, int64_t step);

  // Hands the buffered records to the operating system.
  void flush();

  // The event file's path: `<log_dir>/events.out.tfevents...`.
  const std::string& path() const { return path_; }

 private:
  struct CloseFile {
    void operator()(std::FILE* file) const;
  };

  void add_histogram(const std::string& tag, const float* values, int64_t count, int64_t step);
  // Frames `event` (a serialized Event) as a TFRecord and writes it to the stream.
  void write_record(const std::string& event);
  // Remembers the failure of `what`, with the reason `error` (an errno value), and throws it.
  [[noreturn]] void fail(int error, const char* what);
  void throw_if_failed() const;

  std::string path_;
  std::unique_ptr<std::FILE, CloseFile> file_;
  std::string failure_;  // the message of the first failure; empty while all is well
};

}  // namespace fovea::train
