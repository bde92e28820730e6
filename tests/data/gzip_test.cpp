// gunzip against hostile input: a gzip bomb stops at the caller's limit as soon as the output
// passes it, and a false ISIZE trailer costs no more memory than a true one.
#include "data/gzip.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include "fovea/data/idx.hpp"
#include "fovea/error.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using fovea::data::detail::gunzip;
using fovea::data::detail::gunzip_limit;

namespace {

// `header` then `zeros` zero bytes, gzipped a megabyte at a time (the zeros are never held whole):
// 64 MiB of zeros is a 64 KB file.
std::vector<uint8_t> gzip_zeros(size_t zeros, const std::vector<uint8_t>& header = {}) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::vector<uint8_t> out, chunk(size_t{1} << 20, 0);
  uint8_t buf[1 << 16];
  auto pump = [&](const uint8_t* data, size_t n, int flush) {
    zs.next_in = const_cast<Bytef*>(data);
    zs.avail_in = static_cast<uInt>(n);
    do {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      deflate(&zs, flush);
      out.insert(out.end(), buf, buf + (sizeof buf - zs.avail_out));
    } while (zs.avail_out == 0);
  };
  pump(header.data(), header.size(), Z_NO_FLUSH);
  for (size_t left = zeros; left > 0;) {
    size_t n = std::min(left, chunk.size());
    pump(chunk.data(), n, Z_NO_FLUSH);
    left -= n;
  }
  pump(nullptr, 0, Z_FINISH);
  deflateEnd(&zs);
  return out;
}

std::string gunzip_error(const std::vector<uint8_t>& gz, size_t limit) {
  try {
    gunzip(gz.data(), gz.size(), "bomb.gz", limit);
  } catch (const IOError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Gunzip, OutputUpToTheLimitIsAccepted) {
  std::vector<uint8_t> raw(100000);
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i * 7 % 251);
  const std::vector<uint8_t> gz = fovea::testing::gzip_bytes(raw);
  EXPECT_EQ(gunzip(gz.data(), gz.size(), "a.gz", raw.size()), raw);
  const std::string error = gunzip_error(gz, raw.size() - 1);
  EXPECT_NE(error.find("bomb.gz"), std::string::npos) << error;
  EXPECT_NE(error.find("more than 99999 bytes"), std::string::npos) << error;
}

// A 64 KB file of 64 MiB of zeros against a 1 MiB limit: it stops after the first few kilobytes of
// compressed input, having held about 1 MiB, instead of inflating everything and failing after.
TEST(Gunzip, BombStopsAsSoonAsItPassesTheLimit) {
  const std::vector<uint8_t> gz = gzip_zeros(size_t{64} << 20);
  ASSERT_LT(gz.size(), size_t{100000});
  const std::string error = gunzip_error(gz, size_t{1} << 20);
  EXPECT_EQ(error.find('\n'), std::string::npos);
  EXPECT_NE(error.find("bomb.gz: gzip data inflates to more than 1048576 bytes"), std::string::npos) << error;
  // "(after N of M compressed bytes)": N is about 1 MiB / 1032, far below M.
  const size_t after = error.find("(after ");
  ASSERT_NE(after, std::string::npos) << error;
  EXPECT_LT(std::stoul(error.substr(after + 7)), gz.size() / 8) << error;
}

TEST(Gunzip, LimitForFilesOfUnknownSize) {
  EXPECT_EQ(gunzip_limit(0), size_t{64} << 20);              // the floor: any MNIST-family file
  EXPECT_EQ(gunzip_limit(9912422), size_t{9912422} * 64);    // train-images-idx3-ubyte.gz: 47 MB fits
  EXPECT_EQ(gunzip_limit(size_t{100} << 20), size_t{1} << 30);  // the cap
  EXPECT_EQ(gunzip_limit(SIZE_MAX), size_t{1} << 30);         // no overflow
}

// An IDX .gz whose header is honest (1 x 80 MiB) but whose data is a bomb past the 64 MiB floor:
// read_idx names the file and the limit; it never holds the 80 MiB.
TEST(Gunzip, IdxBombIsRefusedAtTheDocumentedLimit) {
  fovea::testing::TempDir dir;
  const std::string path = dir / "train-images-idx3-ubyte.gz";
  const uint32_t n = 80u << 20;
  const std::vector<uint8_t> gz = gzip_zeros(n, fovea::testing::idx_bytes({n}, {}));
  fovea::testing::write_bytes(path, gz);
  ASSERT_LT(gz.size(), size_t{1} << 20);
  try {
    data::read_idx(path);
    FAIL() << "expected an IOError";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": gzip data inflates to more than " +
                                         std::to_string(size_t{64} << 20) + " bytes"),
              std::string::npos)
        << e.what();
  }
}

// The ISIZE trailer (the last 4 bytes) claims 4 GiB for a 1 MB file: the CRC/length check fails as
// it always did, but it must fail having reserved little. A child process runs the gunzip with its
// address space capped at what it already maps plus 512 MiB, which the old code (reserving and
// zero-filling min(ISIZE, 1032 x size) = 1 GB up front) exceeded.
TEST(Gunzip, FalseTrailerCostsNoMemory) {
  std::vector<uint8_t> raw(size_t{1} << 20);
  std::mt19937 rng(7);
  for (auto& b : raw) b = static_cast<uint8_t>(rng());  // incompressible: the file is ~1 MB
  std::vector<uint8_t> gz = fovea::testing::gzip_bytes(raw, Z_BEST_SPEED);
  ASSERT_GT(gz.size(), raw.size() * 99 / 100);
  for (size_t i = gz.size() - 4; i < gz.size(); ++i) gz[i] = 0xff;

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    size_t vm_kb = 0;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmSize:", 0) == 0) vm_kb = std::stoul(line.substr(7));
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = (vm_kb << 10) + (size_t{512} << 20);
    if (vm_kb == 0 || setrlimit(RLIMIT_AS, &limit) != 0) _exit(3);
    try {
      gunzip(gz.data(), gz.size(), "flipped.gz", size_t{1} << 30);
    } catch (const IOError& e) {
      _exit(std::string(e.what()).find("flipped.gz: corrupt gzip data") == 0 ? 0 : 4);
    } catch (const std::bad_alloc&) {
      _exit(1);
    } catch (...) {
      _exit(2);
    }
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: bad_alloc, 2: another exception, 3: no rlimit, 4: another message, "
                                       "5: no error";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // With a true trailer the same bytes inflate.
  gz = fovea::testing::gzip_bytes(raw, Z_BEST_SPEED);
  EXPECT_EQ(gunzip(gz.data(), gz.size(), "true.gz", raw.size()), raw);
}

// One member with a true trailer inflates in one libdeflate call; a trailer that claims more or
// less than the data holds, and concatenated members, take zlib's path: all give the same bytes.
TEST(Gunzip, EveryTrailerAndMemberLayoutGivesTheSameBytes) {
  std::vector<uint8_t> raw(300000);
  std::mt19937 rng(3);
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i % 97 == 0 ? rng() : i / 1000);
  const std::vector<uint8_t> gz = fovea::testing::gzip_bytes(raw, Z_DEFAULT_COMPRESSION);
  EXPECT_EQ(gunzip(gz.data(), gz.size(), "true.gz", size_t{1} << 26), raw);
  for (int delta : {-1, 1, 1000}) {
    std::vector<uint8_t> lying = gz;
    const uint32_t isize = static_cast<uint32_t>(raw.size() + delta);
    for (int k = 0; k < 4; ++k) lying[lying.size() - 4 + k] = static_cast<uint8_t>(isize >> (8 * k));
    // The length check fails either way: zlib reports it, naming the file.
    EXPECT_NE(gunzip_error(lying, size_t{1} << 26).find("corrupt gzip data"), std::string::npos) << delta;
  }
  std::vector<uint8_t> two = gz;
  two.insert(two.end(), gz.begin(), gz.end());
  std::vector<uint8_t> twice = raw;
  twice.insert(twice.end(), raw.begin(), raw.end());
  EXPECT_EQ(gunzip(two.data(), two.size(), "two.gz", size_t{1} << 26), twice);
  std::vector<uint8_t> cut(gz.begin(), gz.end() - 100);
  EXPECT_NE(gunzip_error(cut, size_t{1} << 26).find("bomb.gz: "), std::string::npos);
}
