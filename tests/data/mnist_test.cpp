// MNIST / Fashion-MNIST datasets and the transforms the seed program uses.
#include "fovea/data/mnist.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "fovea/data/idx.hpp"
#include "fovea/data/transforms.hpp"
#include "fovea/error.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using namespace fovea::data;
using fovea::testing::TempDir;

namespace {

const std::string kMnist = FOVEA_MNIST_DIR;
const std::string kFashion = "/usr/share/datasets/fashion-mnist";

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Mnist, LoadsTestSplitWithRawPixels) {
  MNIST test(kMnist, /*train=*/false);
  ASSERT_EQ(test.size(), 10000);
  EXPECT_EQ(test.rows(), 28);
  EXPECT_EQ(test.cols(), 28);
  Example e = test.get(0);
  EXPECT_EQ(e.image.shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(e.target, 7);  // the first test digit
  float lo = 255, hi = 0;
  for (float v : e.image.to_vector()) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 255.0f);
  const std::vector<uint8_t> pixels = test.pixels();
  for (int64_t i = 0; i < 28 * 28; ++i) EXPECT_EQ(e.image.at(i), static_cast<float>(pixels[i]));
}

TEST(Mnist, TrainSplitFirstLabelIsFive) {
  MNIST train(kMnist, /*train=*/true);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(train.get(0).target, 5);
  EXPECT_EQ(train.get(59999).image.shape(), (Shape{1, 28, 28}));
}

// The images are stored as boxes of their non-zero pixels and the files streamed: every image
// must still come out byte for byte as read_idx reads the whole file.
TEST(Mnist, EveryImageComesOutAsTheFileHoldsIt) {
  for (const bool train : {false, true}) {
    MNIST split(kMnist, train);
    const IdxArray file = read_idx(kMnist + (train ? "/train" : "/t10k") + "-images-idx3-ubyte.gz");
    ASSERT_EQ(split.pixels(), file.data) << "train " << train;
    std::vector<uint8_t> image(28 * 28);
    for (int64_t i = 0; i < split.size(); i += train ? 997 : 1) {
      split.image_pixels(i, image.data());
      ASSERT_EQ(0, std::memcmp(image.data(), file.data.data() + i * 28 * 28, 28 * 28)) << i;
      const Tensor t = split.get(i).image;
      for (int64_t p = 0; p < 28 * 28; ++p) ASSERT_EQ(t.at(p), static_cast<float>(image[p])) << i << " " << p;
    }
  }
}

// Wider than 255 columns (rows stored whole within the box), blank images, pixels at the edges,
// and a gzip file of two members, which takes read_idx's path.
TEST(Mnist, OddShapesAndConcatenatedGzipComeOutAsWritten) {
  TempDir dir;
  const uint32_t count = 4, rows = 3, cols = 300;
  std::vector<uint8_t> pixels(count * rows * cols, 0);
  pixels[1 * rows * cols + 0] = 7;                          // image 1: top-left corner
  pixels[2 * rows * cols + rows * cols - 1] = 9;            // image 2: bottom-right corner
  for (uint32_t c = 10; c < 290; c += 7) pixels[3 * rows * cols + cols + c] = uint8_t(c);  // image 3: one row
  const std::vector<uint8_t> labels = {0, 1, 2, 3};
  const std::vector<uint8_t> file = fovea::testing::idx_bytes({count, rows, cols}, pixels);
  std::vector<uint8_t> two_members = fovea::testing::gzip_bytes({file.begin(), file.begin() + 100});
  const std::vector<uint8_t> rest = fovea::testing::gzip_bytes({file.begin() + 100, file.end()});
  two_members.insert(two_members.end(), rest.begin(), rest.end());
  fovea::testing::write_bytes(dir / "t10k-images-idx3-ubyte", file);
  fovea::testing::write_bytes(dir / "t10k-labels-idx1-ubyte", fovea::testing::idx_bytes({count}, labels));
  EXPECT_EQ(MNIST(dir.path().string(), false).pixels(), pixels);
  std::filesystem::remove(dir / "t10k-images-idx3-ubyte");
  fovea::testing::write_bytes(dir / "t10k-images-idx3-ubyte.gz", two_members);
  MNIST from_gzip(dir.path().string(), false);
  EXPECT_EQ(from_gzip.pixels(), pixels);
  EXPECT_EQ(from_gzip.get(2).image.at(rows * cols - 1), 9.0f);
}

TEST(Mnist, IndexOutOfRange) {
  MNIST test(kMnist, false);
  EXPECT_THROW(test.get(10000), ValueError);
  EXPECT_THROW(test.get(-1), ValueError);
}

TEST(Mnist, LoadsRawFiles) {
  TempDir dir;
  fovea::testing::write_mnist_split(dir.path().string(), "t10k", 5, 5, 4, 3);
  MNIST small(dir.path().string(), false);
  EXPECT_EQ(small.size(), 5);
  EXPECT_EQ(small.get(1).image.shape(), (Shape{1, 4, 3}));
  EXPECT_EQ(small.get(1).image.at(0), 12.0f);  // pixel (1 * 12 + 0) % 256
  EXPECT_EQ(small.get(3).target, 3);
}

TEST(Mnist, CountMismatchNamesBothFiles) {
  TempDir dir;
  fovea::testing::write_mnist_split(dir.path().string(), "train", 5, 4);
  std::string what = message_of([&] { MNIST(dir.path().string(), true); });
  EXPECT_NE(what.find(dir / "train-images-idx3-ubyte"), std::string::npos) << what;
  EXPECT_NE(what.find(dir / "train-labels-idx1-ubyte"), std::string::npos) << what;
  EXPECT_NE(what.find("5 images"), std::string::npos) << what;
  EXPECT_NE(what.find("4 labels"), std::string::npos) << what;
  EXPECT_THROW(MNIST(dir.path().string(), true), IOError);
}

TEST(Mnist, LabelOutOfRange) {
  TempDir dir;
  fovea::testing::write_mnist_split(dir.path().string(), "t10k", 2, 2);
  fovea::testing::write_bytes(dir / "t10k-labels-idx1-ubyte", fovea::testing::idx_bytes({2}, {3, 10}));
  std::string what = message_of([&] { MNIST(dir.path().string(), false); });
  EXPECT_NE(what.find("label 10"), std::string::npos) << what;
  EXPECT_NE(what.find("byte 9"), std::string::npos) << what;
}

TEST(Mnist, ImagesMustBeThreeDimensional) {
  TempDir dir;
  fovea::testing::write_mnist_split(dir.path().string(), "t10k", 2, 2);
  fovea::testing::write_bytes(dir / "t10k-images-idx3-ubyte",
                              fovea::testing::idx_bytes({2, 4}, std::vector<uint8_t>(8)));
  std::string what = message_of([&] { MNIST(dir.path().string(), false); });
  EXPECT_NE(what.find("3-d"), std::string::npos) << what;
}

TEST(Mnist, MissingFilesWithoutDownloadSayWhatToDo) {
  TempDir dir;
  std::string what = message_of([&] { MNIST(dir.path().string(), true); });
  EXPECT_NE(what.find(dir / "train-images-idx3-ubyte"), std::string::npos) << what;
  EXPECT_NE(what.find("download"), std::string::npos) << what;
  EXPECT_NE(what.find("--data"), std::string::npos) << what;
  EXPECT_THROW(MNIST(dir.path().string(), true), IOError);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "nothing is created without download";
}

TEST(Transforms, ToTensorThenNormalizeMapsToMinusOneOne) {
  auto t = transforms::Compose({transforms::ToTensor(), transforms::Normalize({0.5f}, {0.5f})});
  Tensor in = from_vector({0.0f, 255.0f, 127.5f, 51.0f}, {1, 2, 2});
  Tensor out = t(in);
  EXPECT_EQ(out.shape(), (Shape{1, 2, 2}));
  EXPECT_FLOAT_EQ(out.at(0), -1.0f);
  EXPECT_FLOAT_EQ(out.at(1), 1.0f);
  EXPECT_FLOAT_EQ(out.at(2), 0.0f);
  EXPECT_FLOAT_EQ(out.at(3), -0.6f);
  EXPECT_EQ(in.at(1), 255.0f) << "the input is never modified";
}

TEST(Transforms, NormalizePerChannel) {
  Tensor in = from_vector({1, 1, 1, 1, 1, 1}, {3, 1, 2});
  Tensor out = transforms::Normalize({0.0f, 1.0f, 2.0f}, {1.0f, 2.0f, 0.5f})(in);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{1, 1, 0, 0, -2, -2}));
  // A batch: the channel is the third dimension from the end.
  Tensor batch = from_vector(std::vector<float>(12, 1.0f), {2, 3, 1, 2});
  EXPECT_EQ(transforms::Normalize({0.0f, 1.0f, 2.0f}, {1.0f, 2.0f, 0.5f})(batch).at(10), -2.0f);
}

TEST(Transforms, NormalizeRejectsBadArguments) {
  EXPECT_THROW(transforms::Normalize({0.5f}, {0.0f}), ValueError);
  EXPECT_THROW(transforms::Normalize({}, {1.0f}), ValueError);
  auto two_channels = transforms::Normalize({0.5f, 0.5f}, {0.5f});
  EXPECT_THROW(two_channels(zeros({3, 2, 2})), ValueError);
  EXPECT_THROW(two_channels(zeros({4})), ShapeError);
}

TEST(Transforms, MnistAppliesItsTransform) {
  MNIST test(kMnist, false, transforms::Compose({transforms::ToTensor(), transforms::Normalize({0.5f}, {0.5f})}));
  for (float v : test.get(0).image.to_vector()) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LE(v, 1.0f);
  }
  EXPECT_FLOAT_EQ(test.get(0).image.at(0), -1.0f);  // a black corner
}

TEST(FashionMnist, LoadsFromTheDebianPackage) {
  if (!std::filesystem::is_directory(kFashion))
    GTEST_SKIP() << kFashion << " absent (apt-get install dataset-fashion-mnist)";
  FashionMNIST train;  // the default root
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(train.get(0).image.shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(train.get(0).target, 9);  // an ankle boot
  FashionMNIST test(kFashion, false);
  EXPECT_EQ(test.size(), 10000);
}
