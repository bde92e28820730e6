// Downloading MNIST from a misbehaving local server: an endless body without Content-Length, a
// lying Content-Length, a trickle, a stall, a gzip bomb, wrong bytes, and symlinks planted in the
// data folder. Each case must end within its small limits (DownloadOptions), in one line naming the
// URL and the limit, with nothing left behind; a bad mirror gives way to the next one while the
// overall deadline lasts. The hostile behaviours apply to train-labels only; the two image files
// are in the folder before each test, so only the small labels files travel.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>

#include "fovea/data/download.hpp"
#include "fovea/data/idx.hpp"
#include "fovea/error.hpp"
#include "support/http_server.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using namespace fovea::data;
using fovea::testing::HttpServer;
using fovea::testing::TempDir;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const std::string kLabels = "train-labels-idx1-ubyte.gz";
const std::string kLabelsSha = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5";

std::vector<uint8_t> fixture(const std::string& name) {
  return fovea::testing::read_bytes(std::string(FOVEA_MNIST_DIR) + "/" + name);
}

const std::vector<uint8_t>& labels_gz() {
  static const auto bytes = fixture(kLabels);
  return bytes;
}

const std::vector<uint8_t>& labels_raw() {
  static const auto bytes = read_maybe_gzip(std::string(FOVEA_MNIST_DIR) + "/" + kLabels);
  return bytes;
}

// 16 MiB of zeros in 16 KB of gzip (280 times the 60008 bytes train-labels inflates to): a bomb
// that fits under the compressed cap.
const std::vector<uint8_t>& gzip_bomb() {
  static const auto bytes = fovea::testing::gzip_bytes(std::vector<uint8_t>(size_t{16} << 20, 0), 9);
  return bytes;
}

std::vector<uint8_t> noise(size_t size, bool gzip_magic) {
  std::mt19937 rng(7);
  std::vector<uint8_t> bytes(size);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  if (gzip_magic) {
    bytes[0] = 0x1f, bytes[1] = 0x8b, bytes[2] = 8, bytes[3] = 0;  // deflate, no flags
  } else {
    bytes[0] = 0;  // never gzip by accident
  }
  return bytes;
}

// /<mode>/<file>: the labels file misbehaves as <mode> says; every other file is served well.
HttpServer::Response route(const std::string& path) {
  size_t slash = path.find('/', 1);
  if (slash == std::string::npos) return {};
  const std::string mode = path.substr(1, slash - 1), name = path.substr(slash + 1);
  if (name != kLabels) {
    if (name != "t10k-labels-idx1-ubyte.gz") return {};
    return {200, fixture(name)};
  }
  HttpServer::Response r{200, labels_gz()};
  if (mode == "good") {
  } else if (mode == "endless") {  // the .gz, then the .gz again, without end or Content-Length
    r.content_length = HttpServer::kNoLength;
    r.repeat = true;
  } else if (mode == "endless-raw") {  // zeros: not gzip, so the raw size is the cap
    r.body.assign(size_t{1} << 16, 0);
    r.content_length = HttpServer::kNoLength;
    r.repeat = true;
  } else if (mode == "huge-length") {  // a Content-Length of 1 TiB
    r.content_length = int64_t{1} << 40;
    r.repeat = true;
  } else if (mode == "short-length") {  // announces 100 bytes, sends the whole file
    r.content_length = 100;
  } else if (mode == "trickle") {  // 64 bytes every 20 ms: 3.2 KB/s, above the stall limit
    r.pace = milliseconds(20);
    r.pace_bytes = 64;
  } else if (mode == "stall") {  // 1000 bytes, then silence on an open connection
    r.cut_after = 1000;
    r.hold = true;
  } else if (mode == "bomb") {
    r.body = gzip_bomb();
  } else if (mode == "wrong") {  // the right size, random bytes
    r.body = noise(labels_gz().size(), false);
  } else if (mode == "garbage-gz") {  // a gzip header, then random bytes
    r.body = noise(labels_gz().size(), true);
  } else if (mode == "raw") {  // the right file, uncompressed
    r.body = labels_raw();
  } else {
    return {};
  }
  return r;
}

// Small limits, so that each failure comes in well under a second or two: a trickle at 3.2 KB/s
// passes the stall check (512 bytes per 0.5 s), a silence fails it within 1 s.
DownloadOptions quick() {
  DownloadOptions o;
  o.size_margin = 1024;
  o.deadline = seconds(10);
  o.connect_timeout = seconds(2);
  o.stall_bytes_per_second = 1024;
  o.stall_time = milliseconds(500);
  return o;
}

class DownloadHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"})
      fs::copy_file(std::string(FOVEA_MNIST_DIR) + "/" + name, dir / name);
  }

  std::string url(const std::string& mode) const { return server.url("/" + mode + "/"); }
  std::string labels_url(const std::string& mode) const { return url(mode) + kLabels; }

  // The DownloadError's message; `elapsed` how long download_mnist took.
  std::string failure(const std::vector<std::string>& mirrors, const DownloadOptions& options = quick()) {
    const auto start = Clock::now();
    try {
      download_mnist(dir.path().string(), mirrors, options);
    } catch (const DownloadError& e) {
      elapsed = Clock::now() - start;
      return e.what();
    }
    ADD_FAILURE() << "expected a DownloadError";
    return "";
  }

  void succeeds(const std::vector<std::string>& mirrors, const DownloadOptions& options = quick()) {
    download_mnist(dir.path().string(), mirrors, options);
    EXPECT_TRUE(have_file(dir.path().string(), "train-labels-idx1-ubyte"));
    EXPECT_TRUE(have_file(dir.path().string(), "t10k-labels-idx1-ubyte"));
  }

  // No labels file, raw or gzipped, and no temporary (support/atomic_file.hpp: <file>.tmp.XXXXXX).
  void expect_nothing_left_behind() const {
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / kLabels)));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "train-labels-idx1-ubyte")));
    for (const auto& entry : fs::directory_iterator(dir.path()))
      EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }

  HttpServer server{route, seconds(30)};
  TempDir dir;
  Clock::duration elapsed{};
};

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

}  // namespace

TEST(DownloadTable, SizesAreTheIdxSizes) {
  // An IDX file is its header (4 + 4 per dimension) and one byte per element.
  const std::vector<size_t> raw = {16 + 60000 * 28 * 28, 8 + 60000, 16 + 10000 * 28 * 28, 8 + 10000};
  ASSERT_EQ(mnist_files().size(), raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const RemoteFile& f = mnist_files()[i];
    EXPECT_EQ(f.raw_bytes, raw[i]) << f.name;
    EXPECT_LT(f.gz_bytes, f.raw_bytes) << f.name;
    EXPECT_EQ(f.sha256.size(), 64u) << f.name;
    EXPECT_EQ(f.gz_sha256.size(), 64u) << f.name;
  }
  EXPECT_EQ(mnist_files()[1].gz_bytes, 28881u);
  EXPECT_EQ(mnist_files()[1].gz_sha256, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c");
  // The production limits.
  DownloadOptions defaults;
  EXPECT_EQ(defaults.size_margin, size_t{4} << 20);
  EXPECT_EQ(defaults.deadline, std::chrono::minutes(15));
  EXPECT_EQ(defaults.stall_bytes_per_second, 1024);
  EXPECT_EQ(defaults.stall_time, seconds(30));
}

TEST_F(DownloadHostile, EndlessBodyStopsAtTheCompressedCap) {
  std::string what = failure({url("endless")});
  EXPECT_HAS(what, labels_url("endless") +
                       ": body passes the limit of 29905 bytes (the official .gz's 28881 + a margin of 1024)");
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  EXPECT_LT(elapsed, seconds(3));
  // What the server pushed before the client hung up: the cap plus socket buffers (about 4 MB on
  // loopback), not the 256 MiB it would send a client that never stops.
  ASSERT_EQ(server.bytes_sent().size(), 1u);
  EXPECT_LT(server.bytes_sent()[0], uint64_t{32} << 20) << server.bytes_sent()[0];
  expect_nothing_left_behind();
}

TEST_F(DownloadHostile, EndlessUncompressedBodyStopsAtTheRawSize) {
  std::string what = failure({url("endless-raw")});
  EXPECT_HAS(what, labels_url("endless-raw") + ": body passes the limit of 60008 bytes (the uncompressed file's size)");
  EXPECT_LT(elapsed, seconds(3));
  expect_nothing_left_behind();
}

TEST_F(DownloadHostile, OversizedBodyGivesWayToTheNextMirror) {
  succeeds({url("endless"), url("good")});
  EXPECT_EQ(server.requests().front(), "/endless/" + kLabels);
}

TEST_F(DownloadHostile, HugeContentLengthIsRefusedBeforeTheBody) {
  std::string what = failure({url("huge-length")});
  EXPECT_HAS(what, labels_url("huge-length") +
                       ": the server's Content-Length is above the limit of 60008 bytes; refused before the body");
  EXPECT_LT(elapsed, seconds(3));
  expect_nothing_left_behind();
}

TEST_F(DownloadHostile, ShortContentLengthFailsVerificationThenTheNextMirrorServes) {
  // curl reads the 100 announced bytes and no more: a truncated gzip stream.
  std::string what = failure({url("short-length")});
  EXPECT_HAS(what, labels_url("short-length") + ": ");
  EXPECT_HAS(what, "gzip");
  expect_nothing_left_behind();
  succeeds({url("short-length"), url("good")});
}

TEST_F(DownloadHostile, TrickleHitsTheOverallDeadlineAcrossMirrors) {
  DownloadOptions options = quick();
  options.deadline = seconds(1);
  std::string what = failure({url("trickle"), url("good")}, options);
  EXPECT_HAS(what, labels_url("trickle") + ": gave up at the overall download deadline of 1 s (");
  // The deadline is for the whole download: the second mirror gets no fresh one.
  EXPECT_HAS(what, labels_url("good") + ": not tried: the overall download deadline of 1 s had passed");
  EXPECT_GE(elapsed, milliseconds(950));
  EXPECT_LT(elapsed, seconds(3));
  EXPECT_EQ(server.requests(), std::vector<std::string>{"/trickle/" + kLabels});
  expect_nothing_left_behind();
}

TEST_F(DownloadHostile, StallIsDetected) {
  std::string what = failure({url("stall")});
  EXPECT_HAS(what, labels_url("stall") + ": stalled: less than 1024 bytes/s over 0.5 s (1000 bytes received)");
  EXPECT_GE(elapsed, milliseconds(500));
  EXPECT_LT(elapsed, seconds(2));
  expect_nothing_left_behind();
}

TEST_F(DownloadHostile, GzipBombStopsAtTheRawSize) {
  ASSERT_LT(gzip_bomb().size(), 28881u);  // through the compressed cap, even without a margin
  std::string what = failure({url("bomb")});
  EXPECT_HAS(what, labels_url("bomb") + ": gzip data inflates to more than 60008 bytes");
  EXPECT_EQ(what.find(labels_url("bomb") + ": " + labels_url("bomb")), std::string::npos) << "URL named once";
  EXPECT_LT(elapsed, seconds(3));
  expect_nothing_left_behind();
}

TEST_F(DownloadHostile, WrongBytesFailTheChecksumThenTheNextMirrorServes) {
  std::string what = failure({url("wrong")});
  EXPECT_HAS(what, labels_url("wrong") + ": checksum mismatch: expected SHA-256 " + kLabelsSha + " got ");
  expect_nothing_left_behind();
  succeeds({url("wrong"), url("good")});
}

TEST_F(DownloadHostile, GarbageAfterAGzipHeaderIsRejected) {
  std::string what = failure({url("garbage-gz")});
  EXPECT_HAS(what, labels_url("garbage-gz") + ": ");
  EXPECT_HAS(what, "gzip");
  expect_nothing_left_behind();
}

TEST_F(DownloadHostile, UncompressedFileVerifiesAndIsStoredRaw) {
  succeeds({url("raw")});
  EXPECT_EQ(fovea::testing::read_bytes(dir / "train-labels-idx1-ubyte"), labels_raw());
  EXPECT_FALSE(fs::exists(dir / kLabels));
}

TEST_F(DownloadHostile, PlantedSymlinksAreNeverFollowed) {
  // A symlink at the old <name>.part and a dangling one at the final name, both pointing outside.
  fovea::testing::write_bytes(dir / "victim", {'k', 'e', 'e', 'p'});
  fs::create_symlink(dir / "victim", dir / (kLabels + ".part"));
  fs::create_symlink(dir / "outside", dir / kLabels);

  std::string what = failure({url("wrong")});
  EXPECT_TRUE(fs::is_symlink(dir / (kLabels + ".part"))) << "not ours to remove";
  EXPECT_EQ(fovea::testing::read_bytes(dir / "victim"), (std::vector<uint8_t>{'k', 'e', 'e', 'p'}));
  EXPECT_FALSE(fs::exists(dir / "outside"));

  succeeds({url("good")});
  EXPECT_FALSE(fs::is_symlink(dir / kLabels)) << "the link is replaced, its target not written";
  EXPECT_EQ(fovea::testing::read_bytes(dir / kLabels), labels_gz());
  EXPECT_FALSE(fs::exists(dir / "outside"));
  EXPECT_EQ(fovea::testing::read_bytes(dir / "victim"), (std::vector<uint8_t>{'k', 'e', 'e', 'p'}));
}
