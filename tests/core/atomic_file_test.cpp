// support::AtomicFileWriter: the path holds the old content or the complete new one, never a
// torn file, even when the writing process is killed mid-write (SIGKILL, many times over).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "fovea/error.hpp"
#include "support/atomic_file.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using fovea::support::AtomicFileWriter;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A file of `n` copies of one byte: complete means all n and all the same.
void write_generation(const std::string& path, char byte, size_t n) {
  std::vector<char> chunk(4096, byte);
  AtomicFileWriter out(path);
  for (size_t done = 0; done < n; done += chunk.size()) out.write(chunk.data(), std::min(chunk.size(), n - done));
  out.commit();
}

}  // namespace

TEST(AtomicFile, FailedWriteLeavesTheOldFileAndNoTemporary) {
  fovea::testing::TempDir tmp;
  const fs::path dir = tmp.path();
  const std::string path = tmp / "f.bin";
  fovea::support::write_file_atomically(path, "old", 3);
  {
    AtomicFileWriter out(path);
    out.write("new content", 11);
    // no commit: as when an exception unwinds a save
  }
  EXPECT_EQ(read_all(path), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_THROW(AtomicFileWriter((dir / "no_such_folder" / "f").string()), fovea::IOError);
}

TEST(AtomicFile, SigkillMidWriteAlwaysLeavesACompleteFile) {
  fovea::testing::TempDir tmp;
  const fs::path dir = tmp.path();
  const std::string path = tmp / "checkpoint.bin";
  const size_t size = 4 << 20;  // 4 MiB: long enough to be killed in the middle
  write_generation(path, 'a', size);
  int killed_mid_write = 0;
  for (int round = 0; round < 20; ++round) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // rewrite the file over and over with alternating content until killed
      for (int gen = 0;; ++gen) write_generation(path, gen % 2 ? 'b' : 'c', size);
    }
    ::usleep(static_cast<useconds_t>(2000 + 1500 * round));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    // Temporaries of the killed writer may remain beside it (nobody could remove them), but the
    // file itself is whole: one byte value throughout, the full size.
    const std::string content = read_all(path);
    ASSERT_EQ(content.size(), size) << "round " << round;
    ASSERT_EQ(content.find_first_not_of(content[0]), std::string::npos) << "round " << round;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path() != path) {
        ++killed_mid_write;
        fs::remove(entry.path());
      }
  }
  // The kills did land inside writes (a temporary was left), or the test proves nothing.
  EXPECT_GT(killed_mid_write, 0);
}
