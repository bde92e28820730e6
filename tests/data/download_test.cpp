// Downloading MNIST from mirrors, against a local HTTP server serving the real files from memory:
// success, a corrupted file, a dropped connection, 404s, and falling back to a second mirror.
#include "fovea/data/download.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "fovea/data/idx.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/error.hpp"
#include "support/http_server.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using namespace fovea::data;
using fovea::testing::HttpServer;
using fovea::testing::TempDir;

namespace fs = std::filesystem;

namespace {

// Generous for loopback, small enough that a hang fails the test instead of the suite.
const DownloadOptions kOptions = [] {
  DownloadOptions o;
  o.deadline = std::chrono::seconds(30);
  o.connect_timeout = std::chrono::seconds(10);
  o.stall_time = std::chrono::seconds(10);
  return o;
}();

const std::vector<std::string> kNames = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

// The local MNIST files, read once. Their gzip bytes differ from the mirrors' but their content
// is the original, which is what the downloader verifies.
const std::map<std::string, std::vector<uint8_t>>& served_files() {
  static const auto files = [] {
    std::map<std::string, std::vector<uint8_t>> m;
    for (const std::string& name : kNames)
      m[name] = fovea::testing::read_bytes(std::string(FOVEA_MNIST_DIR) + "/" + name);
    return m;
  }();
  return files;
}

// train-labels with one label byte flipped, gzipped again: a transfer that arrives intact but
// holds the wrong content.
const std::vector<uint8_t>& corrupted_labels() {
  static const auto bytes = [] {
    std::vector<uint8_t> raw = read_maybe_gzip(std::string(FOVEA_MNIST_DIR) + "/train-labels-idx1-ubyte.gz");
    raw[1000] ^= 0x01;
    return fovea::testing::gzip_bytes(raw);
  }();
  return bytes;
}

// Routes by the first path segment: /good/ serves the files, /corrupt/ serves bad train labels,
// /drop/ cuts train-labels off halfway, anything else is 404.
HttpServer::Response route(const std::string& path) {
  size_t slash = path.find('/', 1);
  if (slash == std::string::npos) return {};
  std::string mode = path.substr(1, slash - 1), name = path.substr(slash + 1);
  auto it = served_files().find(name);
  if (it == served_files().end()) return {};
  HttpServer::Response r{200, it->second, -1};
  bool labels = name == "train-labels-idx1-ubyte.gz";
  if (mode == "corrupt" && labels)
    r.body = corrupted_labels();
  else if (mode == "drop" && labels)
    r.cut_after = static_cast<int64_t>(r.body.size() / 2);
  else if (mode != "good" && mode != "corrupt" && mode != "drop")
    return {};
  return r;
}

std::string download_error(const std::string& root, const std::vector<std::string>& mirrors) {
  try {
    download_mnist(root, mirrors, kOptions);
  } catch (const DownloadError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a DownloadError";
  return "";
}

// No final file for train-labels and no temporary of anything (support/atomic_file.hpp names
// them <file>.tmp.XXXXXX).
void expect_nothing_left_behind(const TempDir& dir) {
  EXPECT_FALSE(fs::exists(dir / "train-labels-idx1-ubyte.gz"));
  EXPECT_FALSE(fs::exists(dir / "train-labels-idx1-ubyte"));
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

class Download : public ::testing::Test {
 protected:
  HttpServer server{route};
  TempDir dir;
};

}  // namespace

TEST_F(Download, AllFourFilesVerifyAndLoad) {
  std::string root = dir / "mnist";                 // not there yet: the download creates it
  download_mnist(root, {server.url("/good")}, kOptions);  // no trailing slash: one is added
  for (const std::string& name : kNames) EXPECT_TRUE(fs::exists(fs::path(root) / name)) << name;
  MNIST train(root, true), test(root, false);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(train.get(0).target, 5);

  // Everything present: nothing more is fetched.
  size_t before = server.requests().size();
  download_mnist(root, {server.url("/good/")}, kOptions);
  EXPECT_EQ(server.requests().size(), before);
}

TEST_F(Download, OnlyMissingFilesAreFetched) {
  fs::copy_file(std::string(FOVEA_MNIST_DIR) + "/train-images-idx3-ubyte.gz", dir / "train-images-idx3-ubyte.gz");
  fs::copy_file(std::string(FOVEA_MNIST_DIR) + "/t10k-images-idx3-ubyte.gz", dir / "t10k-images-idx3-ubyte.gz");
  download_mnist(dir.path().string(), {server.url("/good/")}, kOptions);
  EXPECT_EQ(server.requests(),
            (std::vector<std::string>{"/good/train-labels-idx1-ubyte.gz", "/good/t10k-labels-idx1-ubyte.gz"}));
}

TEST_F(Download, CorruptedContentFailsTheChecksum) {
  std::string what = download_error(dir.path().string(), {server.url("/corrupt/")});
  EXPECT_NE(what.find("checksum mismatch"), std::string::npos) << what;
  EXPECT_NE(what.find("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"), std::string::npos) << what;
  EXPECT_NE(what.find("train-labels-idx1-ubyte.gz"), std::string::npos) << what;
  expect_nothing_left_behind(dir);
  EXPECT_TRUE(fs::exists(dir / "train-images-idx3-ubyte.gz")) << "files before the bad one are kept";
}

TEST_F(Download, DroppedConnectionFails) {
  std::string what = download_error(dir.path().string(), {server.url("/drop/")});
  EXPECT_NE(what.find(server.url("/drop/train-labels-idx1-ubyte.gz")), std::string::npos) << what;
  expect_nothing_left_behind(dir);
}

TEST_F(Download, NotFoundOnEveryMirrorSaysHowToProceedOffline) {
  std::string what = download_error(dir.path().string(), {server.url("/missing/"), server.url("/gone/")});
  EXPECT_NE(what.find(server.url("/missing/train-images-idx3-ubyte.gz") + ": HTTP 404"), std::string::npos) << what;
  EXPECT_NE(what.find(server.url("/gone/train-images-idx3-ubyte.gz") + ": HTTP 404"), std::string::npos) << what;
  EXPECT_NE(what.find("by hand into " + dir.path().string()), std::string::npos) << what;
  EXPECT_NE(what.find("--data"), std::string::npos) << what;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST_F(Download, UnreachableMirrorFails) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  std::string root = dir / "not-yet";
  std::string what = download_error(root, {"http://127.0.0.1:1/"});
  EXPECT_NE(what.find("127.0.0.1:1"), std::string::npos) << what;
  EXPECT_FALSE(fs::exists(root)) << "a failed download creates no folder";
}

TEST_F(Download, FallsBackToTheNextMirror) {
  download_mnist(dir.path().string(), {server.url("/missing/"), server.url("/good/")}, kOptions);
  for (const std::string& name : kNames) EXPECT_TRUE(fs::exists(dir / name)) << name;
  EXPECT_EQ(server.requests().size(), 8u);
}

TEST_F(Download, MnistDownloadsThroughTheEnvironmentMirrors) {
  ::setenv("FOVEA_MNIST_MIRRORS", (server.url("/missing/") + "  " + server.url("/good")).c_str(), 1);
  EXPECT_EQ(mnist_mirrors(), (std::vector<std::string>{server.url("/missing/"), server.url("/good")}));
  std::string root = dir / "cache";
  MNIST test(root, /*train=*/false, {}, /*download=*/true);
  ::unsetenv("FOVEA_MNIST_MIRRORS");
  EXPECT_EQ(test.size(), 10000);
  EXPECT_TRUE(have_file(root, "t10k-labels-idx1-ubyte"));
}

TEST(DownloadDefaults, MirrorsAndHashes) {
  ::unsetenv("FOVEA_MNIST_MIRRORS");
  std::vector<std::string> mirrors = mnist_mirrors();
  ASSERT_EQ(mirrors.size(), 2u);
  EXPECT_EQ(mirrors[0], "https://ossci-datasets.s3.amazonaws.com/mnist/");
  ASSERT_EQ(mnist_files().size(), 4u);
  EXPECT_EQ(mnist_files()[0].name, "train-images-idx3-ubyte.gz");
  EXPECT_EQ(mnist_files()[0].sha256, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
}
