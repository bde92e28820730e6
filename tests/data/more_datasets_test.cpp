// CIFAR-10 (binary batches), EMNIST and KMNIST, on small files the tests write: the values and
// labels handed out, and one IOError naming the file for each broken input.
#include <gtest/gtest.h>

#include <filesystem>

#include "fovea/data/cifar.hpp"
#include "fovea/data/mnist.hpp"
#include "support/expect_tensor.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using namespace fovea::data;
using fovea::testing::error_of;
using fovea::testing::idx_bytes;
using fovea::testing::TempDir;
using fovea::testing::write_bytes;

namespace {

// `records` CIFAR records: record r has label (first_label + r) % 10 and pixel k = (r + k) % 256.
std::vector<uint8_t> cifar_records(int records, int first_label) {
  std::vector<uint8_t> out;
  for (int r = 0; r < records; ++r) {
    out.push_back(static_cast<uint8_t>((first_label + r) % 10));
    for (int k = 0; k < 3072; ++k) out.push_back(static_cast<uint8_t>((r + k) % 256));
  }
  return out;
}

void write_cifar(const std::string& dir) {
  std::filesystem::create_directories(dir);
  for (int b = 1; b <= 5; ++b) write_bytes(dir + "/data_batch_" + std::to_string(b) + ".bin", cifar_records(2, b));
  write_bytes(dir + "/test_batch.bin", cifar_records(3, 7));
}

}  // namespace

TEST(Cifar10, ReadsTheBinaryBatches) {
  TempDir dir;
  write_cifar(dir / "cifar-10-batches-bin");  // the archive's own folder, under root
  CIFAR10 train(dir.path().string(), true), test(dir.path().string(), false);
  ASSERT_EQ(train.size(), 10);
  ASSERT_EQ(test.size(), 3);
  // Record 1 of data_batch_3: label (3 + 1) % 10, pixels (1 + k) % 256, planes R, G, B.
  const Example e = train.get(5);
  EXPECT_EQ(e.target, 4);
  EXPECT_EQ(e.image.shape(), (Shape{3, 32, 32}));
  EXPECT_EQ(e.image.at(0), 1.0f);
  EXPECT_EQ(e.image.at(1024), static_cast<float>((1 + 1024) % 256));  // first green pixel
  EXPECT_EQ(test.get(2).target, 9);
  EXPECT_EQ(train.classes().front(), "airplane");
  EXPECT_EQ(train.classes().back(), "truck");
  EXPECT_THROW(train.get(10), ValueError);
  // A transform sees the raw image.
  CIFAR10 scaled(dir.path().string(), false, transforms::ToTensor());
  EXPECT_FLOAT_EQ(scaled.get(0).image.at(255), 1.0f);
}

TEST(Cifar10, BrokenFilesAreOneErrorNamingThem) {
  TempDir dir;
  EXPECT_NE(error_of<IOError>([&] { CIFAR10(dir.path().string(), true); }).find("data_batch_1.bin"),
            std::string::npos);
  write_cifar(dir.path().string());
  std::vector<uint8_t> truncated = cifar_records(2, 0);
  truncated.pop_back();
  write_bytes(dir / "data_batch_4.bin", truncated);
  const std::string message = error_of<IOError>([&] { CIFAR10(dir.path().string(), true); });
  EXPECT_NE(message.find("data_batch_4.bin"), std::string::npos) << message;
  EXPECT_NE(message.find("not a whole number of 3073-byte records"), std::string::npos) << message;
  std::vector<uint8_t> bad_label = cifar_records(2, 0);
  bad_label[3073] = 10;
  write_bytes(dir / "test_batch.bin", bad_label);
  const std::string label = error_of<IOError>([&] { CIFAR10(dir.path().string(), false); });
  EXPECT_NE(label.find("test_batch.bin: label 10 of record 1"), std::string::npos) << label;
  write_bytes(dir / "test_batch.bin", {});
  EXPECT_NE(error_of<IOError>([&] { CIFAR10(dir.path().string(), false); }).find("0 bytes"), std::string::npos);
}

TEST(Emnist, LettersSplitAsStoredOrUpright) {
  TempDir dir;
  // Two 2 x 3 images 0..5 and 6..11, labels 1 ("a") and 26 ("z").
  std::vector<uint8_t> pixels(12);
  for (int k = 0; k < 12; ++k) pixels[k] = static_cast<uint8_t>(k);
  write_bytes(dir / "emnist-letters-test-images-idx3-ubyte", idx_bytes({2, 2, 3}, pixels));
  write_bytes(dir / "emnist-letters-test-labels-idx1-ubyte", idx_bytes({2}, {1, 26}));
  EMNIST stored(dir.path().string(), "letters", false), upright(dir.path().string(), "letters", false, {}, true);
  ASSERT_EQ(stored.size(), 2);
  fovea::testing::expect_values(stored.get(0).image, {1, 2, 3}, {0, 1, 2, 3, 4, 5});
  fovea::testing::expect_values(upright.get(0).image, {1, 3, 2}, {0, 3, 1, 4, 2, 5});
  EXPECT_EQ(stored.get(1).target, 26);
  ASSERT_EQ(stored.classes().size(), 27u);
  EXPECT_EQ(stored.classes()[0], "N/A");
  EXPECT_EQ(stored.classes()[26], "z");
  // A label past the split's classes names the file.
  write_bytes(dir / "emnist-letters-test-labels-idx1-ubyte", idx_bytes({2}, {1, 27}));
  EXPECT_NE(error_of<IOError>([&] { EMNIST(dir.path().string(), "letters", false); }).find("label 27"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] { EMNIST(dir.path().string(), "kanji", false); }).find("unknown split 'kanji'"),
            std::string::npos);
  EXPECT_NE(error_of<IOError>([&] { EMNIST(dir.path().string(), "digits", true); })
                .find("emnist-digits-train-images-idx3-ubyte"),
            std::string::npos);
}

TEST(Kmnist, MnistLayoutWithItsOwnClasses) {
  TempDir dir;
  fovea::testing::write_mnist_split(dir.path().string(), "t10k", 3, 3, 28, 28);
  KMNIST test(dir.path().string(), false);
  EXPECT_EQ(test.size(), 3);
  EXPECT_EQ(test.get(2).target, 2);
  EXPECT_EQ(test.classes().at(3), "tsu");
}
