#pragma once
// A user's own pictures, one sub-folder per class, as torchvision.datasets.ImageFolder:
//
//   root/cat/001.png   root/dog/x.jpg   root/dog/more/y.jpeg   ...
//
// Classes are the sub-folders' names in sorted order (target = position); each class's images
// are the files below its folder (recursively, symlinks followed) with an image extension
// (.png .jpg .jpeg .bmp .pgm .ppm, any case), in torchvision's order (folders by path, then
// file names). Other files are ignored, as
// torchvision ignores them. A class folder with no image is an error, as torchvision's.
//
// Images are decoded when fetched (on the loader's worker threads), to RGB (3 channels) or gray
// (1), resized to `size` when it is given, as raw 0..255 values like the other datasets, then
// through the transform. A file that cannot be decoded is an IOError naming it when it is
// fetched, as PyTorch raises from __getitem__: the run stops at that batch rather than training
// on silently fewer images.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fovea/data/dataset.hpp"
#include "fovea/data/transforms.hpp"
#include "fovea/io/image.hpp"

namespace fovea::data {

struct ImageFolderOptions {
  std::pair<int64_t, int64_t> size{0, 0};  // resize to H x W; {0, 0} keeps each image's size
  io::ColorMode color = io::ColorMode::RGB;
  transforms::Transform transform;
  io::ImageLimits limits{.min_side = 1};
};

class ImageFolder : public Dataset {
 public:
  explicit ImageFolder(const std::string& root, ImageFolderOptions options = {});
  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  Example get(int64_t index) const override;
  std::vector<std::string> classes() const override { return classes_; }
  // (path, target) of every image, in order.
  const std::vector<std::pair<std::string, int64_t>>& samples() const { return samples_; }

 private:
  std::string root_;
  ImageFolderOptions options_;
  std::vector<std::string> classes_;
  std::vector<std::pair<std::string, int64_t>> samples_;
};

// Throws ValueError naming both roots and the classes each lacks when a training and a test split
// do not have the same classes in the same order (their targets would mean different things).
void check_same_classes(const Dataset& train, const std::string& train_name, const Dataset& test,
                        const std::string& test_name);

}  // namespace fovea::data
