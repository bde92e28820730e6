#pragma once
// MNIST, Fashion-MNIST, KMNIST and EMNIST, as torchvision.datasets: IDX files of 8-bit images.
//
// `root` holds the IDX files under their original names, raw or with a .gz suffix:
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
// (MNIST, Fashion-MNIST, KMNIST); emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte
// (EMNIST). The images are loaded once into memory, each as the smallest box of rows and columns
// that holds its non-zero pixels (the rest is zero): MNIST's training split takes 19 MB, not 47.
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
  // Every image, count x rows x cols bytes: a copy, made from the stored boxes.
  std::vector<uint8_t> pixels() const;
  // Image `index`'s rows x cols bytes, written to `out`.
  void image_pixels(int64_t index, uint8_t* out) const;
  const std::vector<uint8_t>& labels() const { return labels_; }
  const transforms::Transform& transform() const { return transform_; }
  // The IDX file the images came from, to name it in errors about them.
  const std::string& images_path() const { return images_path_; }
  // The class names by index, as torchvision's `classes` ("0 - zero", ...; "T-shirt/top", ...).
  std::vector<std::string> classes() const override = 0;

 protected:
  MNISTLike(const std::string& root, bool train, transforms::Transform transform);
  // Files `<prefix><train|t10k or test>-{images-idx3,labels-idx1}-ubyte`, labels below `classes`;
  // `transpose` swaps each image's rows and columns as it is handed out.
  MNISTLike(const std::string& root, const std::string& prefix, const std::string& split, int64_t classes,
            transforms::Transform transform, bool transpose);

 private:
  int64_t count_ = 0, rows_ = 0, cols_ = 0;
  std::string images_path_;
  // Image i's non-zero pixels lie in the box of boxes_[i].height rows and boxes_[i].width columns
  // at (top, left); its rows are stored from packed_[boxes_[i].offset] on, each as (skip, length,
  // `length` pixels from column left + skip) when the images are at most 255 columns wide (the box
  // then spans every column: left 0, width cols), else as
  // `width` pixels. With no boxes (images wider or taller than 65535), packed_ holds whole images.
  template <typename F>  // f(offset in the image, pixels, count) for each stored run of a row
  void for_each_row(int64_t index, F&& f) const {
    const Box& box = boxes_[static_cast<size_t>(index)];
    const uint8_t* src = packed_.data() + box.offset;
    for (int64_t r = 0; r < box.height; ++r) {
      const int64_t at = (box.top + r) * cols_ + box.left;
      if (cols_ <= 255) {
        f(at + src[0], src + 2, int64_t{src[1]});
        src += 2 + src[1];
      } else {
        f(at, src, int64_t{box.width});
        src += box.width;
      }
    }
  }
  struct Box {
    uint64_t offset;
    uint16_t top, left, height, width;
  };
  std::vector<uint8_t> packed_, labels_;
  std::vector<Box> boxes_;
  friend class ImagePacker;
  transforms::Transform transform_;
  bool transpose_ = false;
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

// Kuzushiji-MNIST (Clanuwat et al., 2018): ten cursive hiragana, in MNIST's file layout and names.
class KMNIST : public MNISTLike {
 public:
  KMNIST(const std::string& root, bool train = true, transforms::Transform transform = {});
  std::vector<std::string> classes() const override;
};

// EMNIST (Cohen et al., 2017), one of its splits: "byclass" (62 classes), "bymerge" and
// "balanced" (47), "letters" (labels 1 to 26, class 0 "N/A" as torchvision), "digits", "mnist".
// The files store each image transposed; torchvision hands them out as stored, and so does fovea
// by default, so that a model trained on either reads the other's input. `upright` transposes
// them back (the orientation a person reads).
class EMNIST : public MNISTLike {
 public:
  EMNIST(const std::string& root, const std::string& split, bool train = true, transforms::Transform transform = {},
         bool upright = false);
  std::vector<std::string> classes() const override;
  const std::string& split() const { return split_; }

 private:
  std::string split_;
};

}  // namespace fovea::data
