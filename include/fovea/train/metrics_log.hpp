#pragma once
// --log metrics.jsonl: the run's numbers as JSON Lines, one object per line, for a script, a
// spreadsheet or pandas.read_json(lines=True). After each epoch:
//   {"epoch":0,"step":469,"train_loss":0.21,"train_accuracy":0.93,"test_loss":0.07,"test_accuracy":0.98,
//    "lr":0.001,"seconds":6.1,"images_per_second":10214.5,"elapsed_seconds":6.6}
// ("seconds": the epoch's training pass and evaluation; "images_per_second": training images over
// the training pass). With log_every N > 0, also every N optimizer steps:
//   {"step":100,"epoch":0,"loss":0.43,"lr":0.001}
// Each line is appended and flushed as it is made, so a run that crashes keeps every line it
// finished, and a resumed run goes on in the same file.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "fovea/optim/optimizer.hpp"
#include "fovea/train/callback.hpp"

namespace fovea::train {

namespace detail {
class DispensableOutput;
}

class MetricsLog : public Callback {
 public:
  // Creates the file's folder if needed and opens the file for appending: IOError naming the path
  // when either fails, before any training. A write that fails later (a full disk) is reported
  // once on stderr, and the log stops; training goes on.
  MetricsLog(const std::string& path, const optim::Optimizer& optimizer, int64_t log_every = 0);
  ~MetricsLog() override;
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void on_train_step(const TrainStep& step) override;
  void on_epoch_end(const EpochReport& report) override;

  const std::string& path() const { return path_; }

 private:
  void append(const std::string& line);

  std::string path_;
  const optim::Optimizer& optimizer_;
  int64_t log_every_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<detail::DispensableOutput> output_;
};

}  // namespace fovea::train
