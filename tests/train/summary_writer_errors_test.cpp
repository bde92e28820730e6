// train::SummaryWriter's refusals (ValueError naming the tag, nothing written) and disk errors
// (IOError naming the directory or file with the reason): a log directory under a regular file, a
// full disk (/dev/full) when the file is created, a write past the file-size limit later on.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>

#include "fovea/error.hpp"
#include "fovea/tensor.hpp"
#include "fovea/train/summary_writer.hpp"
#include "support/temp_dir.hpp"
#include "train/event_file.hpp"

using fovea::testing::error_of;
using fovea::testing::png_2x3;
using fovea::testing::read_events;
using fovea::train::SummaryWriter;

TEST(SummaryWriter, RefusesHistogramsItCannotDraw) {
  fovea::testing::TempDir dir;
  std::string path;
  {
    SummaryWriter writer(dir.path().string());
    path = writer.path();
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    for (const std::vector<float>& values : {std::vector<float>{1.0f, nan}, std::vector<float>{-inf, 2.0f}}) {
      const std::string message = error_of<fovea::ValueError>([&] { writer.add_histogram("weights", values, 0); });
      EXPECT_NE(message.find("'weights'"), std::string::npos) << message;
      EXPECT_NE(message.find("not finite"), std::string::npos) << message;
    }
    EXPECT_NE(error_of<fovea::ValueError>([&] { writer.add_histogram("empty", std::vector<float>{}, 0); }).find("'empty'"),
              std::string::npos);
    EXPECT_NE(error_of<fovea::ValueError>([&] { writer.add_histogram("far", {1e21f}, 0); }).find("'far'"),
              std::string::npos);  // PyTorch: "The histogram is empty"
    EXPECT_NE(error_of<fovea::ValueError>([&] { writer.add_histogram("t", fovea::Tensor(), 0); }), "");
  }
  EXPECT_EQ(read_events(path).size(), 1u) << "a refused histogram writes nothing";
}

TEST(SummaryWriter, RefusesImagesThatAreNotWhatTheySay) {
  fovea::testing::TempDir dir;
  SummaryWriter writer(dir.path().string());
  const std::vector<unsigned char> png = png_2x3();
  auto refusal = [&](const std::vector<unsigned char>& bytes, int width, int height, int channels) {
    return error_of<fovea::ValueError>([&] { writer.add_image("picture", bytes, width, height, channels, 0); });
  };
  EXPECT_NE(refusal(png, 2, 3, 2).find("'picture': channels must be 1, 3 or 4, got 2"), std::string::npos);
  EXPECT_NE(refusal(png, 3, 2, 3).find("the PNG is 2x3 (width x height) but 3x2 was given"), std::string::npos);
  EXPECT_NE(refusal({'G', 'I', 'F', '8', '9', 'a'}, 2, 3, 3).find("not a PNG"), std::string::npos);
  EXPECT_NE(refusal(png, 0, 3, 3).find("positive"), std::string::npos);
  EXPECT_EQ(refusal(png, 2, 3, 3), "");
}

TEST(SummaryWriter, AnUnwritableLogDirIsNamed) {
  fovea::testing::TempDir dir;
  std::ofstream(dir / "plain") << "a regular file, not a directory";
  const std::string log_dir = dir / "plain/runs";
  const std::string message = error_of<fovea::IOError>([&] { SummaryWriter writer(log_dir); });
  EXPECT_EQ(message, log_dir + ": cannot create the log directory (Not a directory)");
}

TEST(SummaryWriter, AFullDiskAtCreationNamesTheFile) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full to stand in for a full disk";
  // The next writer's file name, predicted: events.out.tfevents.<seconds>.<host>.<pid>.<n> with n
  // one past a probe writer's, for this second and the next two; each links to /dev/full.
  fovea::testing::TempDir dir;
  std::string probe;
  { probe = std::filesystem::path(SummaryWriter(dir / "probe").path()).filename().string(); }
  const size_t seconds_at = std::string("events.out.tfevents.").size(), counter_at = probe.rfind('.') + 1;
  const std::string host_pid = probe.substr(seconds_at + 10, counter_at - seconds_at - 10);  // ".<host>.<pid>."
  const std::string next = host_pid + std::to_string(std::stoll(probe.substr(counter_at)) + 1);
  const std::string log_dir = dir / "full";
  std::filesystem::create_directory(log_dir);
  for (long long now = std::time(nullptr), s = now; s <= now + 2; ++s) {
    char seconds[16];
    std::snprintf(seconds, sizeof seconds, "%010lld", s);
    std::filesystem::create_symlink("/dev/full", log_dir + "/events.out.tfevents." + seconds + next);
  }
  const std::string message = error_of<fovea::IOError>([&] { SummaryWriter writer(log_dir); });
  EXPECT_EQ(message.rfind(log_dir + "/events.out.tfevents.", 0), 0u) << message;
  EXPECT_NE(message.find(next + ": cannot write (No space left on device)"), std::string::npos) << message;
}

namespace {

// Lowers this process's file-size limit for one scope: a write past it fails with EFBIG ("File
// too large"), a disk error the writer meets after it opened its file. SIGXFSZ, which the kernel
// also sends, is ignored meanwhile.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    if (getrlimit(RLIMIT_FSIZE, &saved_) != 0) throw std::runtime_error("getrlimit failed");
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    if (setrlimit(RLIMIT_FSIZE, &lowered) != 0) throw std::runtime_error("setrlimit failed");
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, saved_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = SIG_DFL;
};

}  // namespace

TEST(SummaryWriter, AWriteFailureIsReportedAndEveryLaterCallRepeatsIt) {
  fovea::testing::TempDir dir;
  SummaryWriter writer(dir.path().string());
  std::string failure;
  {
    FileSizeLimit limit(std::filesystem::file_size(writer.path()) + 100);
    failure = error_of<fovea::IOError>([&] {
      for (int step = 0; step < 1000; ++step) writer.add_scalar("loss", 1.0 / (step + 1), step);
      writer.flush();
    });
  }
  EXPECT_EQ(failure, writer.path() + ": cannot write (File too large)");
  // The limit is lifted, yet the writer is spent: its file ends in a torn record.
  EXPECT_EQ(error_of<fovea::IOError>([&] { writer.add_scalar("loss", 0.5, 1000); }), failure);
  EXPECT_EQ(error_of<fovea::IOError>([&] { writer.add_histogram("w", {1.0f}, 1000); }), failure);
  EXPECT_EQ(error_of<fovea::IOError>([&] { writer.add_image("i", png_2x3(), 2, 3, 3, 1000); }), failure);
  EXPECT_EQ(error_of<fovea::IOError>([&] { writer.flush(); }), failure);
}  // and the destructor neither throws nor crashes
