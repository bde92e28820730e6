// The IDX reader on the real MNIST files, raw and gzipped, and on each kind of broken file.
#include "fovea/data/idx.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fovea/error.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using namespace fovea::data;
using fovea::testing::TempDir;

namespace {

const std::string kMnist = FOVEA_MNIST_DIR;

// Runs `f`, expects an IOError whose message contains every one of `needles`.
template <typename F>
void expect_io_error(F f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected an IOError";
  } catch (const IOError& e) {
    std::string what = e.what();
    for (const std::string& n : needles) EXPECT_NE(what.find(n), std::string::npos) << "'" << n << "' not in: " << what;
  }
}

}  // namespace

TEST(Idx, ReadsGzippedMnist) {
  IdxArray images = read_idx(kMnist + "/train-images-idx3-ubyte.gz");
  EXPECT_EQ(images.dims, (std::vector<int64_t>{60000, 28, 28}));
  EXPECT_EQ(images.data.size(), 60000u * 28 * 28);
  IdxArray labels = read_idx(kMnist + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(labels.dims, (std::vector<int64_t>{10000}));
  IdxArray train_labels = read_idx(kMnist + "/train-labels-idx1-ubyte.gz");
  ASSERT_EQ(train_labels.data.size(), 60000u);
  EXPECT_EQ(train_labels.data[0], 5);  // the famous first digit
}

TEST(Idx, RawAndGzippedAgree) {
  TempDir dir;
  std::vector<uint8_t> raw = read_maybe_gzip(kMnist + "/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(raw.size(), 7840016u);
  fovea::testing::write_bytes(dir / "t10k-images-idx3-ubyte", raw);
  IdxArray from_raw = read_idx(dir / "t10k-images-idx3-ubyte");
  IdxArray from_gz = read_idx(kMnist + "/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(from_raw.dims, (std::vector<int64_t>{10000, 28, 28}));
  EXPECT_EQ(from_raw.dims, from_gz.dims);
  EXPECT_TRUE(from_raw.data == from_gz.data);
}

TEST(Idx, ConcatenatedGzipMembersAreOneStream) {
  TempDir dir;
  std::vector<uint8_t> whole = fovea::testing::idx_bytes({6}, {0, 1, 2, 3, 4, 5});
  std::vector<uint8_t> a(whole.begin(), whole.begin() + 7), b(whole.begin() + 7, whole.end());
  std::vector<uint8_t> gz = fovea::testing::gzip_bytes(a), gz_b = fovea::testing::gzip_bytes(b);
  gz.insert(gz.end(), gz_b.begin(), gz_b.end());
  fovea::testing::write_bytes(dir / "two.gz", gz);
  EXPECT_EQ(read_idx(dir / "two.gz").data, (std::vector<uint8_t>{0, 1, 2, 3, 4, 5}));
}

TEST(Idx, MissingFile) {
  TempDir dir;
  std::string path = dir / "train-images-idx3-ubyte";
  expect_io_error([&] { read_idx(path); }, {path, "no such file"});
}

TEST(Idx, WrongMagicNumber) {
  TempDir dir;
  std::string path = dir / "bad-magic-idx3-ubyte";
  fovea::testing::write_bytes(path, {0x12, 0x34, 0x08, 0x03, 0, 0, 0, 0});
  expect_io_error([&] { read_idx(path); }, {path, "magic number", "byte 0", "0x12 0x34"});
}

TEST(Idx, UnsupportedType) {
  TempDir dir;
  std::string path = dir / "floats-idx1";
  fovea::testing::write_bytes(path, {0, 0, 0x0d, 0x01, 0, 0, 0, 0});
  expect_io_error([&] { read_idx(path); }, {path, "byte 2", "expected 0x08", "0x0d"});
}

TEST(Idx, TruncatedHeader) {
  TempDir dir;
  std::string path = dir / "short-idx3-ubyte";
  fovea::testing::write_bytes(path, {0, 0, 0x08, 0x03, 0, 0, 0, 100, 0, 0});
  expect_io_error([&] { read_idx(path); }, {path, "truncated at byte 10", "16-byte IDX header"});
}

TEST(Idx, TruncatedData) {
  TempDir dir;
  std::string path = dir / "train-images-idx3-ubyte";
  // The header promises 100 images of 28 x 28; the data holds 3.
  fovea::testing::write_bytes(path, fovea::testing::idx_bytes({100, 28, 28}, std::vector<uint8_t>(3 * 28 * 28)));
  expect_io_error([&] { read_idx(path); },
                  {path, "truncated at byte 2368", "expected 78400 bytes", "100 x 28 x 28", "found 2352"});
}

TEST(Idx, TrailingBytes) {
  TempDir dir;
  std::string path = dir / "labels-idx1-ubyte";
  fovea::testing::write_bytes(path, fovea::testing::idx_bytes({4}, {1, 2, 3, 4, 9, 9}));
  expect_io_error([&] { read_idx(path); }, {path, "2 trailing bytes", "at byte 12", "end after 4 bytes"});
}

TEST(Idx, TruncatedDataInsideGzipNamesTheGzFile) {
  TempDir dir;
  std::string path = dir / "t10k-labels-idx1-ubyte.gz";
  fovea::testing::write_bytes(path, fovea::testing::gzip_bytes(fovea::testing::idx_bytes({10000}, {1, 2, 3})));
  expect_io_error([&] { read_idx(path); }, {path, "expected 10000 bytes", "found 3"});
}

TEST(Idx, CorruptGzip) {
  TempDir dir;
  std::string path = dir / "train-labels-idx1-ubyte.gz";
  std::vector<uint8_t> gz =
      fovea::testing::gzip_bytes(fovea::testing::idx_bytes({1000}, std::vector<uint8_t>(1000, 7)));
  for (size_t i = 10; i < gz.size() - 8; ++i) gz[i] ^= 0x5a;  // scramble the deflate data, keep the gzip header
  fovea::testing::write_bytes(path, gz);
  expect_io_error([&] { read_idx(path); }, {path, "corrupt gzip"});
}

TEST(Idx, TruncatedGzip) {
  TempDir dir;
  std::string path = dir / "train-labels-idx1-ubyte.gz";
  std::vector<uint8_t> gz =
      fovea::testing::gzip_bytes(fovea::testing::idx_bytes({1000}, std::vector<uint8_t>(1000, 7)));
  gz.resize(gz.size() / 2);
  fovea::testing::write_bytes(path, gz);
  expect_io_error([&] { read_idx(path); }, {path, "truncated gzip"});
}

TEST(Idx, ErrorsAreFoveaErrors) { EXPECT_THROW(parse_idx({1, 2}, "x"), fovea::Error); }

// Four dims of 2^32 - 1 multiply past 2^64: the product is checked, never wrapped to a small size.
TEST(Idx, DimensionsWhoseProductOverflowsAreTruncation) {
  TempDir dir;
  std::string path = dir / "huge-idx4-ubyte";
  fovea::testing::write_bytes(path, fovea::testing::idx_bytes({0xffffffff, 0xffffffff, 0xffffffff, 0x10}, {1, 2}));
  expect_io_error([&] { read_idx(path); }, {path, "truncated at byte 22", "expected more than 18446744073709551615",
                                           "4294967295 x 4294967295 x 4294967295 x 16", "found 2"});
  // A zero dim makes the product 0 whatever the others are.
  fovea::testing::write_bytes(path, fovea::testing::idx_bytes({0xffffffff, 0, 0xffffffff}, {}));
  EXPECT_EQ(read_idx(path).data.size(), 0u);
}

namespace {

// Collects what stream_idx hands over; throws at chunk `throw_at` when asked to.
struct CollectingSink : IdxSink {
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
  int chunks = 0, throw_at = -1;
  void header(const std::vector<int64_t>& d) override { dims = d; }
  void data(const uint8_t* p, size_t n) override {
    if (chunks++ == throw_at) throw std::runtime_error("sink refused");
    bytes.insert(bytes.end(), p, p + n);
  }
};

// A gzipped IDX file past a MiB compressed, which inflates on a thread of its own (idx.cpp):
// random pixels do not compress, so 3 MB stay about 3 MB.
std::vector<uint8_t> large_idx_gz(std::vector<uint8_t>* pixels) {
  std::vector<uint8_t> data(3 << 20);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& b : data) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = static_cast<uint8_t>(x);
  }
  if (pixels) *pixels = data;
  return fovea::testing::gzip_bytes(fovea::testing::idx_bytes({3, 1024, 1024}, data));
}

}  // namespace

TEST(IdxStream, ALargeGzipInflatedOnItsOwnThreadGivesEveryByteInOrder) {
  TempDir dir;
  std::vector<uint8_t> pixels;
  const std::vector<uint8_t> gz = large_idx_gz(&pixels);
  ASSERT_GT(gz.size(), size_t{2} << 20);
  const std::string path = dir / "big-idx3-ubyte.gz";
  fovea::testing::write_bytes(path, gz);
  CollectingSink sink;
  ASSERT_TRUE(stream_idx(path, sink));
  EXPECT_EQ(sink.dims, (std::vector<int64_t>{3, 1024, 1024}));
  EXPECT_EQ(sink.bytes, pixels);
  EXPECT_GT(sink.chunks, 2);
}

// Broken past the first pieces: the stream says no (read_idx then names the fault), and a sink
// that throws midway gets its exception back, with the inflating thread stopped, not left hanging.
TEST(IdxStream, ALargeGzipBrokenMidwayOrRefusedByTheSinkStopsCleanly) {
  TempDir dir;
  const std::vector<uint8_t> gz = large_idx_gz(nullptr);
  const std::string corrupt = dir / "corrupt-idx3-ubyte.gz", truncated = dir / "truncated-idx3-ubyte.gz",
                    good = dir / "good-idx3-ubyte.gz";
  std::vector<uint8_t> bad = gz;
  for (size_t i = bad.size() * 3 / 4; i < bad.size() * 3 / 4 + 4096; ++i) bad[i] ^= 0x5a;
  fovea::testing::write_bytes(corrupt, bad);
  fovea::testing::write_bytes(truncated, std::vector<uint8_t>(gz.begin(), gz.begin() + gz.size() * 3 / 4));
  fovea::testing::write_bytes(good, gz);
  CollectingSink a, b;
  EXPECT_FALSE(stream_idx(corrupt, a));
  EXPECT_FALSE(stream_idx(truncated, b));
  EXPECT_GT(b.chunks, 1);  // it failed after handing over pieces, not at once
  expect_io_error([&] { read_idx(truncated); }, {truncated, "truncated gzip"});
  CollectingSink refusing;
  refusing.throw_at = 1;
  EXPECT_THROW(stream_idx(good, refusing), std::runtime_error);
}
