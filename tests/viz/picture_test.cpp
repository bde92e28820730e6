// viz::Picture: the PNG it encodes reads back, save_png writes the same bytes atomically and
// names the path when it cannot, pixel() reads the drawing.
#include "fovea/viz/picture.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fovea/error.hpp"
#include "fovea/viz/figures.hpp"
#include "pictures.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using fovea::testing::TempDir;

namespace {

viz::Picture small_picture() {
  Tensor image = zeros({8, 8});
  image.data()[3 * 8 + 4] = 1;
  return viz::sample_grid({image}, {"a dot"}, 1);
}

}  // namespace

TEST(VizPicture, PngDecodesToTheSameSize) {
  const viz::Picture picture = small_picture();
  const fovea::testing::DecodedSize decoded = fovea::testing::decode_png_size(picture.png());
  ASSERT_TRUE(decoded.ok);
  EXPECT_EQ(decoded.width, picture.width());
  EXPECT_EQ(decoded.height, picture.height());
}

TEST(VizPicture, SavePngWritesThePngBytes) {
  TempDir dir;
  const viz::Picture picture = small_picture();
  picture.save_png(dir / "dot.png");
  std::ifstream in(dir / "dot.png", std::ios::binary);
  const std::vector<unsigned char> saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(saved, picture.png());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1) << "no temporary left behind";
}

TEST(VizPicture, SavePngIntoAMissingFolderNamesThePath) {
  TempDir dir;
  const std::string path = dir / "no/such/folder/dot.png";
  const std::string message = fovea::testing::error_message([&] { small_picture().save_png(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_THROW(small_picture().save_png(path), IOError);
}

TEST(VizPicture, SavePngWhereNoFileCanBeMadeNamesThePath) {
  // /proc takes no new files, not even from root (the tests may run as root, so no chmod test).
  const std::string path = "/proc/fovea_viz_picture.png";
  EXPECT_THROW(small_picture().save_png(path), IOError);
  EXPECT_NE(fovea::testing::error_message([&] { small_picture().save_png(path); }).find(path), std::string::npos);
}

TEST(VizPicture, SavePngOverAFolderThrowsIOError) {
  TempDir dir;
  std::filesystem::create_directory(dir / "taken.png");
  EXPECT_THROW(small_picture().save_png(dir / "taken.png"), IOError);
}

TEST(VizPicture, PixelsAreOpaqueAndTheCornerIsPaper) {
  const viz::Picture picture = small_picture();
  EXPECT_EQ(picture.pixel(0, 0), 0xFFFFFFFFu);
  int64_t black = 0;
  for (int y = 0; y < picture.height(); ++y)
    for (int x = 0; x < picture.width(); ++x) {
      EXPECT_EQ(picture.pixel(x, y) >> 24, 0xFFu);
      black += picture.pixel(x, y) == 0xFF000000u;
    }
  EXPECT_GT(black, 0) << "the image's zeros show black";
}

TEST(VizPicture, PixelOutsideThePictureThrowsValueError) {
  const viz::Picture picture = small_picture();
  EXPECT_THROW(picture.pixel(-1, 0), ValueError);
  EXPECT_THROW(picture.pixel(picture.width(), 0), ValueError);
  EXPECT_THROW(picture.pixel(0, picture.height()), ValueError);
}

TEST(VizPicture, CopiesShareTheDrawing) {
  const viz::Picture picture = small_picture();
  const viz::Picture copy = picture;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the test
  EXPECT_EQ(copy.png(), picture.png());
}
