#include "fovea/data/mnist.hpp"

#include <filesystem>

#include "fovea/data/download.hpp"
#include "fovea/data/idx.hpp"
#include "fovea/error.hpp"

namespace fovea::data {

namespace {

namespace fs = std::filesystem;

// The raw file if present, else its .gz; as torchvision, either form is accepted.
std::string locate(const std::string& root, const std::string& raw_name) {
  fs::path raw = fs::path(root) / raw_name;
  fs::path gz = fs::path(root) / (raw_name + ".gz");
  std::error_code ec;
  if (fs::is_regular_file(raw, ec)) return raw.string();
  if (fs::is_regular_file(gz, ec)) return gz.string();
  throw IOError(raw.string() + ": no such file (nor " + gz.filename().string() +
                "); for MNIST pass download=true (the fovea command downloads unless --no-download), or --data DIR "
                "naming a folder that holds the IDX files");
}

// MNIST::MNIST must fetch the files before MNISTLike's constructor reads them; this runs in the
// base-class initialiser.
const std::string& fetched(const std::string& root, bool download) {
  if (download) download_mnist(root);
  return root;
}

// EMNIST's classes per split, as torchvision's EMNIST.classes_split_dict.
std::vector<std::string> emnist_classes(const std::string& split) {
  const std::string digits = "0123456789", upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                    lower = "abcdefghijklmnopqrstuvwxyz", merged_lower = "abdefghnqrt";
  auto letters = [](const std::string& chars) {
    std::vector<std::string> out;
    for (char c : chars) out.emplace_back(1, c);
    return out;
  };
  std::vector<std::string> out;
  if (split == "byclass") out = letters(digits + upper + lower);
  if (split == "bymerge" || split == "balanced") out = letters(digits + upper + merged_lower);
  if (split == "letters") {
    out = letters(lower);
    out.insert(out.begin(), "N/A");
  }
  if (split == "digits" || split == "mnist") out = letters(digits);
  if (out.empty())
    throw ValueError("EMNIST: unknown split '" + split + "'; expected byclass, bymerge, balanced, letters, digits or mnist");
  return out;
}

}  // namespace

MNISTLike::MNISTLike(const std::string& root, bool train, transforms::Transform transform)
    : MNISTLike(root, "", train ? "train" : "t10k", 10, std::move(transform), false) {}

MNISTLike::MNISTLike(const std::string& root, const std::string& prefix, const std::string& split, int64_t classes,
                     transforms::Transform transform, bool transpose)
    : transform_(std::move(transform)), transpose_(transpose) {
  const std::string images_path = locate(root, prefix + split + "-images-idx3-ubyte");
  const std::string labels_path = locate(root, prefix + split + "-labels-idx1-ubyte");
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3)
    throw IOError(images_path + ": expected a 3-d IDX array (count x rows x cols), found " +
                  std::to_string(images.dims.size()) + " dimensions");
  if (labels.dims.size() != 1)
    throw IOError(labels_path + ": expected a 1-d IDX array of labels, found " + std::to_string(labels.dims.size()) +
                  " dimensions");
  if (images.dims[0] != labels.dims[0])
    throw IOError(images_path + " holds " + std::to_string(images.dims[0]) + " images but " + labels_path + " holds " +
                  std::to_string(labels.dims[0]) + " labels; expected the same count");
  for (size_t i = 0; i < labels.data.size(); ++i)
    if (labels.data[i] >= classes)
      throw IOError(labels_path + ": label " + std::to_string(labels.data[i]) + " at byte " + std::to_string(8 + i) +
                    " (example " + std::to_string(i) + ") is out of range: expected 0 to " +
                    std::to_string(classes - 1));
  if (images.dims[0] == 0) throw IOError(images_path + ": holds no images; expected at least one");
  if (images.dims[1] == 0 || images.dims[2] == 0)
    throw IOError(images_path + ": images of " + std::to_string(images.dims[1]) + "x" + std::to_string(images.dims[2]) +
                  " pixels; expected at least 1x1");
  images_path_ = images_path;
  count_ = images.dims[0];
  rows_ = images.dims[1];
  cols_ = images.dims[2];
  pixels_ = std::move(images.data);
  labels_ = std::move(labels.data);
}

Example MNISTLike::get(int64_t index) const {
  if (index < 0 || index >= count_)
    throw ValueError("index " + std::to_string(index) + " out of range for a dataset of " + std::to_string(count_) +
                     " examples");
  Tensor image = Tensor::empty({1, rows_, cols_});
  const int64_t n = rows_ * cols_;
  const uint8_t* src = pixels_.data() + index * n;
  float* dst = image.data();
  if (transpose_) {
    for (int64_t r = 0; r < rows_; ++r)
      for (int64_t c = 0; c < cols_; ++c) dst[c * rows_ + r] = static_cast<float>(src[r * cols_ + c]);
    if (rows_ != cols_) image = image.reshape({1, cols_, rows_});
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
  }
  return {transform_ ? transform_(image) : image, static_cast<int64_t>(labels_[index])};
}

MNIST::MNIST(const std::string& root, bool train, transforms::Transform transform, bool download)
    : MNISTLike(fetched(root, download), train, std::move(transform)) {}

FashionMNIST::FashionMNIST(const std::string& root, bool train, transforms::Transform transform)
    : MNISTLike(root, train, std::move(transform)) {}

std::vector<std::string> MNIST::classes() const {
  return {"0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
          "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"};
}

std::vector<std::string> FashionMNIST::classes() const {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

KMNIST::KMNIST(const std::string& root, bool train, transforms::Transform transform)
    : MNISTLike(root, train, std::move(transform)) {}

std::vector<std::string> KMNIST::classes() const { return {"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"}; }

EMNIST::EMNIST(const std::string& root, const std::string& split, bool train, transforms::Transform transform,
               bool upright)
    : MNISTLike(root, "emnist-" + split + "-", train ? "train" : "test",
                static_cast<int64_t>(emnist_classes(split).size()), std::move(transform), upright),
      split_(split) {}

std::vector<std::string> EMNIST::classes() const { return emnist_classes(split_); }

}  // namespace fovea::data
