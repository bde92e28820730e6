#include "fovea/train/metrics_log.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dispensable_output.hpp"
#include "fovea/error.hpp"

namespace fovea::train {

MetricsLog::MetricsLog(const std::string& path, const optim::Optimizer& optimizer, int64_t log_every)
    : path_(path), optimizer_(optimizer), log_every_(log_every),
      output_(std::make_unique<detail::DispensableOutput>("metrics log " + path)) {
  if (log_every < 0) throw ValueError("MetricsLog: log_every must be >= 0, got " + std::to_string(log_every));
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw IOError(path + ": is a folder, expected a file name for the metrics log");
  const fs::path folder = fs::absolute(path, ec).parent_path();
  fs::create_directories(folder, ec);
  if (ec) throw IOError(path + ": cannot create its folder " + folder.string() + " (" + ec.message() + ")");
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) throw IOError(path + ": cannot be opened for appending (" + std::strerror(errno) + ")");
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::append(const std::string& line) {
  output_->attempt([&] {
    errno = 0;
    if (std::fputs(line.c_str(), file_) < 0 || std::fputc('\n', file_) == EOF || std::fflush(file_) != 0)
      throw IOError(std::string("cannot write (") + std::strerror(errno ? errno : EIO) + ")");
  });
}

void MetricsLog::on_train_step(const TrainStep& s) {
  if (log_every_ == 0 || s.step % log_every_ != 0 || output_->off()) return;
  nlohmann::ordered_json record = {{"step", s.step}, {"epoch", s.epoch}, {"loss", s.loss}, {"lr", optimizer_.lr()}};
  append(record.dump());
}

void MetricsLog::on_epoch_end(const EpochReport& r) {
  if (output_->off()) return;
  const double seconds = r.train_seconds + r.test_seconds;
  const double images_per_second = r.train_seconds > 0 ? static_cast<double>(r.trained_samples) / r.train_seconds : 0.0;
  nlohmann::ordered_json record = {{"epoch", r.epoch},
                                   {"step", r.steps},
                                   {"train_loss", r.train.loss},
                                   {"train_accuracy", r.train.accuracy},
                                   {"test_loss", r.test.loss},
                                   {"test_accuracy", r.test.accuracy},
                                   {"lr", optimizer_.lr()},
                                   {"seconds", seconds},
                                   {"images_per_second", images_per_second},
                                   {"elapsed_seconds", r.elapsed_seconds}};
  append(record.dump());
}

}  // namespace fovea::train
