#pragma once
// MNIST and Fashion-MNIST, as torchvision.datasets.MNIST / FashionMNIST.
//
// `root` holds the four IDX files under their original names, raw or with a .gz suffix:
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
// The images are loaded once into memory (47 MB for the training split).
#include <cstdint>
#include <string>
#include <vector>

#include "fovea/data/dataset.hpp"
#include "fovea/data/transforms.hpp"

namespace fovea::data {

class MNISTLike : public Dataset {
 public:
  int64_t size() const override { return count_; }
  // The image as a 1 x 28 x 28 tensor of raw 0..255 values, through the transform if one was given.
  Example get(int64_t index) const override;
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }  // count x rows x cols
  const std::vector<uint8_t>& labels() const { return labels_; }
  const transforms::Transform& transform() const { return transform_; }
  // The IDX file the images came from, to name it in errors about them.
  const std::string& images_path() const { return images_path_; }
  // The class names by index, as torchvision's `classes` ("0 - zero", ...; "T-shirt/top", ...).
  virtual std::vector<std::string> classes() const = 0;

 protected:
  MNISTLike(const std::string& root, bool train, transforms::Transform transform);

 private:
  int64_t count_ = 0, rows_ = 0, cols_ = 0;
  std::string images_path_;
  std::vector<uint8_t> pixels_, labels_;
  transforms::Transform transform_;
};

class MNIST : public MNISTLike {
 public:
  // With download=true, missing files are fetched from the public mirrors, verified and cached
  // in `root` first (see download.hpp).
  MNIST(const std::string& root, bool train, transforms::Transform transform = {}, bool download = false);
  std::vector<std::string> classes() const override;
};

// Default root: where Debian's dataset-fashion-mnist package installs the files.
class FashionMNIST : public MNISTLike {
 public:
  explicit FashionMNIST(const std::string& root = "/usr/share/datasets/fashion-mnist", bool train = true,
                        transforms::Transform transform = {});
  std::vector<std::string> classes() const override;
};

}  // namespace fovea::data
