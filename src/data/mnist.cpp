#include "fovea/data/mnist.hpp"

#include <filesystem>

#include "fovea/data/download.hpp"
#include "fovea/data/idx.hpp"
#include "fovea/error.hpp"

namespace fovea::data {

namespace {

namespace fs = std::filesystem;

constexpr int64_t kClasses = 10;

// The raw file if present, else its .gz; as torchvision, either form is accepted.
std::string locate(const std::string& root, const std::string& raw_name) {
  fs::path raw = fs::path(root) / raw_name;
  fs::path gz = fs::path(root) / (raw_name + ".gz");
  std::error_code ec;
  if (fs::is_regular_file(raw, ec)) return raw.string();
  if (fs::is_regular_file(gz, ec)) return gz.string();
  throw IOError(raw.string() + ": no such file (nor " + gz.filename().string() +
                "); pass download=true (the fovea command downloads unless --no-download), or --data DIR naming a "
                "folder that holds the four IDX files");
}

// MNIST::MNIST must fetch the files before MNISTLike's constructor reads them; this runs in the
// base-class initialiser.
const std::string& fetched(const std::string& root, bool download) {
  if (download) download_mnist(root);
  return root;
}

}  // namespace

MNISTLike::MNISTLike(const std::string& root, bool train, transforms::Transform transform)
    : transform_(std::move(transform)) {
  const std::string split = train ? "train" : "t10k";
  const std::string images_path = locate(root, split + "-images-idx3-ubyte");
  const std::string labels_path = locate(root, split + "-labels-idx1-ubyte");
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
    if (labels.data[i] >= kClasses)
      throw IOError(labels_path + ": label " + std::to_string(labels.data[i]) + " at byte " + std::to_string(8 + i) +
                    " (example " + std::to_string(i) + ") is out of range: expected 0 to " +
                    std::to_string(kClasses - 1));
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
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
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

}  // namespace fovea::data
