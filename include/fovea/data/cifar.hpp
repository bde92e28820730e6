#pragma once
// CIFAR-10 in its binary format (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version"),
// as torchvision.datasets.CIFAR10 hands it out (torchvision reads the Python pickles instead;
// the images and labels are the same).
//
// `root` holds data_batch_1.bin ... data_batch_5.bin (training) and test_batch.bin (test), or a
// cifar-10-batches-bin/ folder with them, as the archive unpacks. Each record is one label byte
// then 3072 pixel bytes: the red, green and blue 32 x 32 planes in turn. Images come out as
// 3 x 32 x 32 tensors of raw 0..255 values, through the transform if one is given.
//
// Every file must be a whole number of records, at most kMaxRecordsPerFile (the real batches hold
// 10,000 each; the limit keeps a hostile file from costing more than 64 MB), with labels 0..9.
#include <cstdint>
#include <string>
#include <vector>

#include "fovea/data/dataset.hpp"
#include "fovea/data/transforms.hpp"

namespace fovea::data {

class CIFAR10 : public Dataset {
 public:
  static constexpr int64_t kRecordBytes = 1 + 3 * 32 * 32;
  static constexpr int64_t kMaxRecordsPerFile = 20000;

  explicit CIFAR10(const std::string& root, bool train = true, transforms::Transform transform = {});
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Example get(int64_t index) const override;
  // "airplane", "automobile", ..., "truck", as torchvision's `classes`.
  std::vector<std::string> classes() const override;
  const std::vector<uint8_t>& labels() const { return labels_; }

 private:
  std::vector<uint8_t> pixels_;  // size() x 3 x 32 x 32
  std::vector<uint8_t> labels_;
  transforms::Transform transform_;
};

}  // namespace fovea::data
