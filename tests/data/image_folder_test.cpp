// ImageFolder on small trees the tests write: classes, order, decoding to gray or RGB, resizing,
// and one error naming the file or folder for each broken tree.
#include "fovea/data/image_folder.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "fovea/data/dataloader.hpp"
#include "support/expect_tensor.hpp"
#include "support/idx_files.hpp"
#include "support/png_bytes.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using namespace fovea::data;
using fovea::testing::error_of;
using fovea::testing::TempDir;
using fovea::testing::write_bytes;

namespace {

namespace fs = std::filesystem;

// A binary PGM (P5) or PPM (P6) of w x h holding `pixels` (h * w, or h * w * 3 interleaved).
std::vector<uint8_t> netpbm(bool color, int w, int h, const std::vector<uint8_t>& pixels) {
  const std::string header = std::string(color ? "P6" : "P5") + "\n" + std::to_string(w) + " " + std::to_string(h) +
                             "\n255\n";
  std::vector<uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), pixels.begin(), pixels.end());
  return out;
}

void write_file(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  write_bytes(path.string(), bytes);
}

// root/cat/{b.pgm, a.PGM, notes.txt}, root/dog/deeper/c.ppm, root/dog/d.png.
void write_tree(const fs::path& root) {
  write_file(root / "cat" / "b.pgm", netpbm(false, 3, 2, {10, 20, 30, 40, 50, 60}));
  write_file(root / "cat" / "a.PGM", netpbm(false, 3, 2, {0, 0, 0, 255, 255, 255}));
  write_file(root / "cat" / "notes.txt", {'h', 'i'});
  write_file(root / "dog" / "deeper" / "c.ppm",
             netpbm(true, 3, 2, {255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // A 3 x 2 gray PNG (filter byte 0 before each row).
  const auto png = fovea::testing::make_png(3, 2, 8, {0, 9, 8, 7, 0, 6, 5, 4});
  write_file(root / "dog" / "d.png", std::vector<uint8_t>(png.begin(), png.end()));
}

}  // namespace

TEST(ImageFolder, ClassesSamplesAndPixels) {
  TempDir dir;
  write_tree(dir.path());
  ImageFolder rgb(dir.path().string());
  EXPECT_EQ(rgb.classes(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(rgb.size(), 4);  // notes.txt is not an image
  // torchvision's order: a.PGM before b.pgm; a folder's own files (dog/d.png) before its
  // sub-folders' (dog/deeper/c.ppm), though "deeper/c.ppm" < "d.png" as strings.
  EXPECT_EQ(fs::path(rgb.samples()[0].first).filename(), "a.PGM");
  EXPECT_EQ(fs::path(rgb.samples()[2].first).filename(), "d.png");
  EXPECT_EQ(fs::path(rgb.samples()[3].first).filename(), "c.ppm");
  EXPECT_EQ(rgb.samples()[3].second, 1);
  // Raw 0..255 values; a gray file gives the same value in all three planes.
  const Example cat = rgb.get(1);
  EXPECT_EQ(cat.target, 0);
  ASSERT_EQ(cat.image.shape(), (Shape{3, 2, 3}));
  const std::vector<float> v = cat.image.to_vector();
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(v[static_cast<size_t>(c * 6 + 4)], 50.0f, 1e-4f);
  const Example color = rgb.get(3);
  EXPECT_NEAR(color.image.to_vector()[0], 255.0f, 1e-4f);  // red plane, first pixel
  EXPECT_NEAR(color.image.to_vector()[6 + 1], 255.0f, 1e-4f);  // green plane, second pixel
  EXPECT_NEAR(color.image.to_vector()[12 + 5], 9.0f, 1e-4f);  // blue plane, last pixel
  // Gray, resized.
  ImageFolder gray(dir.path().string(), {.size = {4, 6}, .color = io::ColorMode::Gray});
  EXPECT_EQ(gray.get(2).image.shape(), (Shape{1, 4, 6}));
  EXPECT_NEAR(gray.get(2).image.to_vector()[0], 9.0f, 1e-4f);  // the PNG's corner survives the resize
}

TEST(ImageFolder, BrokenTreesNameWhatIsWrong) {
  TempDir dir;
  EXPECT_NE(error_of<IOError>([&] { ImageFolder(dir.path().string()); }).find("no class folders"), std::string::npos);
  EXPECT_NE(error_of<IOError>([&] { ImageFolder((dir / "missing")); }).find("not a folder"), std::string::npos);
  write_tree(dir.path());
  fs::create_directories(dir.path() / "empty_class");
  write_file(dir.path() / "empty_class" / "readme.md", {'x'});
  const std::string empty = error_of<IOError>([&] { ImageFolder(dir.path().string()); });
  EXPECT_NE(empty.find("no image in the class folder(s) empty_class"), std::string::npos) << empty;
  fs::remove_all(dir.path() / "empty_class");
  // An undecodable file is an error naming it when fetched, also through a loader.
  write_file(dir.path() / "cat" / "broken.png", {0x89, 'P', 'N', 'G', 1, 2, 3});
  ImageFolder folder(dir.path().string(), {.size = {2, 3}});
  EXPECT_NE(error_of<IOError>([&] { folder.get(2); }).find("broken.png"), std::string::npos);
  DataLoader loader(std::make_shared<ImageFolder>(dir.path().string(), ImageFolderOptions{.size = {2, 3}}),
                    {.batch_size = 2, .num_workers = 2});
  EXPECT_NE(error_of<IOError>([&] {
              for (auto& batch : loader) (void)batch;
            }).find("broken.png"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] { ImageFolder(dir.path().string(), {.size = {4, 0}}); }).find("size"),
            std::string::npos);
}

TEST(ImageFolder, TrainAndTestMustShareClasses) {
  TempDir train, test;
  write_tree(train.path());
  write_tree(test.path());
  check_same_classes(ImageFolder(train.path().string()), "train/", ImageFolder(test.path().string()), "test/");
  fs::rename(test.path() / "dog", test.path() / "wolf");
  const std::string message = error_of<ValueError>([&] {
    check_same_classes(ImageFolder(train.path().string()), "train/", ImageFolder(test.path().string()), "test/");
  });
  EXPECT_NE(message.find("only in train/: dog; only in test/: wolf"), std::string::npos) << message;
}
