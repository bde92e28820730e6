#include "fovea/data/mnist.hpp"

#include <algorithm>
#include <bit>
#include <bit>
#include <cstring>
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

// Everything in memory, for the labels.
class ByteSink : public IdxSink {
 public:
  void header(const std::vector<int64_t>& dims) override { dims_ = dims; }
  void data(const uint8_t* bytes, size_t size) override { bytes_.insert(bytes_.end(), bytes, bytes + size); }
  std::vector<int64_t> dims_;
  std::vector<uint8_t> bytes_;
};

}  // namespace

// Keeps each image as it arrives as its box of non-zero pixels (MNISTLike's storage).
class ImagePacker : public IdxSink {
 public:
  void header(const std::vector<int64_t>& dims) override {
    dims_ = dims;
    size_t count = 1;
    plane_ = 1;
    if (dims.size() == 3) {  // anything else is refused once read; it is kept whole meanwhile
      count = static_cast<size_t>(dims[0]);
      plane_ = static_cast<size_t>(dims[1] * dims[2]);
      boxed_ = dims[1] > 0 && dims[2] > 0 && dims[1] <= 65535 && dims[2] <= 65535;
    }
    if (boxed_) {
      rows_ = static_cast<size_t>(dims[1]);
      cols_ = static_cast<size_t>(dims[2]);
      spans_ = cols_ <= 255;
      span_.resize(rows_);
      boxes_.reserve(std::min(count, size_t{1} << 20));
      pending_.reserve(plane_);
    }
    // Room for every image whole when that is at most 64 MiB: only the pages written (the boxes)
    // become resident, and the buffer never moves while it fills.
    packed_.reserve(std::min(count * plane_, size_t{64} << 20));
  }

  void data(const uint8_t* bytes, size_t size) override {
    if (!boxed_) {
      packed_.insert(packed_.end(), bytes, bytes + size);
      return;
    }
    while (size > 0) {
      if (pending_.empty() && size >= plane_) {
        pack(bytes);
        bytes += plane_;
        size -= plane_;
        continue;
      }
      const size_t take = std::min(size, plane_ - pending_.size());
      pending_.insert(pending_.end(), bytes, bytes + take);
      bytes += take;
      size -= take;
      if (pending_.size() == plane_) {
        pack(pending_.data());
        pending_.clear();
      }
    }
  }

  std::vector<int64_t> dims_;
  std::vector<uint8_t> packed_;
  std::vector<MNISTLike::Box> boxes_;

 private:
  void pack(const uint8_t* image) {
    if (spans_) return pack_spans(image);
    // Which rows hold a non-zero pixel, and which columns (OR of every row).
    column_or_.assign(cols_, 0);
    size_t top = rows_, bottom = 0;
    for (size_t r = 0; r < rows_; ++r) {
      const uint8_t* row = image + r * cols_;
      uint8_t any = 0;
      for (size_t c = 0; c < cols_; ++c) {
        column_or_[c] |= row[c];
        any |= row[c];
      }
      if (any) {
        top = std::min(top, r);
        bottom = r;
      }
    }
    MNISTLike::Box box{packed_.size(), 0, 0, 0, 0};
    if (top < rows_) {
      size_t left = 0, right = cols_ - 1;
      while (column_or_[left] == 0) ++left;
      while (column_or_[right] == 0) --right;
      box.top = static_cast<uint16_t>(top);
      box.left = static_cast<uint16_t>(left);
      box.height = static_cast<uint16_t>(bottom - top + 1);
      box.width = static_cast<uint16_t>(right - left + 1);
      for (size_t r = top; r <= bottom; ++r) {
        const uint8_t* row = image + r * cols_;
        if (!spans_) {
          packed_.insert(packed_.end(), row + left, row + right + 1);
          continue;
        }
        // Up to 255 columns: the row's own span of non-zero pixels, as (skip, length, pixels).
        size_t first = left, last = right + 1;
        while (first < last && row[first] == 0) ++first;
        while (last > first && row[last - 1] == 0) --last;
        packed_.push_back(static_cast<uint8_t>(first - left));
        packed_.push_back(static_cast<uint8_t>(last - first));
        packed_.insert(packed_.end(), row + first, row + last);
      }
    }
    boxes_.push_back(box);
  }

  // Up to 255 columns: each row of the box (which spans every column) as (first non-zero column,
  // length, pixels); found with 8 bytes at a time, the data written with one resize per image.
  void pack_spans(const uint8_t* image) {
    size_t top = rows_, bottom = 0, bytes = 0;
    for (size_t r = 0; r < rows_; ++r) {
      const uint8_t* row = image + r * cols_;
      const size_t first = first_nonzero(row, cols_);
      const size_t end = first == cols_ ? first : end_of_nonzero(row, cols_);
      span_[r] = {first, end};
      if (first == end) continue;
      top = std::min(top, r);
      bottom = r;
    }
    MNISTLike::Box box{packed_.size(), 0, 0, 0, static_cast<uint16_t>(cols_)};
    if (top < rows_) {
      for (size_t r = top; r <= bottom; ++r) bytes += 2 + (span_[r].second - span_[r].first);
      packed_.resize(packed_.size() + bytes);
      uint8_t* out = packed_.data() + box.offset;
      for (size_t r = top; r <= bottom; ++r) {
        const auto [first, end] = span_[r];
        *out++ = static_cast<uint8_t>(first == end ? 0 : first);
        *out++ = static_cast<uint8_t>(end - first);
        std::memcpy(out, image + r * cols_ + first, end - first);
        out += end - first;
      }
      box.top = static_cast<uint16_t>(top);
      box.height = static_cast<uint16_t>(bottom - top + 1);
    }
    boxes_.push_back(box);
  }

  // The first non-zero byte of p[0, n), or n; and one past the last non-zero byte (p has one).
  static size_t first_nonzero(const uint8_t* p, size_t n) {
    static_assert(std::endian::native == std::endian::little, "the word scans read bytes in little-endian order");
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w) return i + static_cast<size_t>(__builtin_ctzll(w) >> 3);  // little-endian: byte order
    }
    for (; i < n; ++i)
      if (p[i]) return i;
    return n;
  }
  static size_t end_of_nonzero(const uint8_t* p, size_t n) {
    size_t j = n;
    for (; j >= 8; j -= 8) {
      uint64_t w;
      std::memcpy(&w, p + j - 8, 8);
      if (w) return j - 8 + static_cast<size_t>((63 - __builtin_clzll(w)) >> 3) + 1;
    }
    for (; j > 0; --j)
      if (p[j - 1]) return j;
    return 0;
  }

  bool boxed_ = false, spans_ = false;
  std::vector<std::pair<size_t, size_t>> span_;  // per row of the image being packed
  size_t rows_ = 0, cols_ = 0, plane_ = 1;
  std::vector<uint8_t> pending_;  // an image split between two pieces of data
  std::vector<uint8_t> column_or_;
};

MNISTLike::MNISTLike(const std::string& root, bool train, transforms::Transform transform)
    : MNISTLike(root, "", train ? "train" : "t10k", 10, std::move(transform), false) {}

MNISTLike::MNISTLike(const std::string& root, const std::string& prefix, const std::string& split, int64_t classes,
                     transforms::Transform transform, bool transpose)
    : transform_(std::move(transform)), transpose_(transpose) {
  const std::string images_path = locate(root, prefix + split + "-images-idx3-ubyte");
  const std::string labels_path = locate(root, prefix + split + "-labels-idx1-ubyte");
  // Streamed, never held whole; a file the stream does not take is read again whole, by read_idx,
  // which names what is wrong with it (or, for one it accepts, such as concatenated gzip members,
  // hands the data over).
  ImagePacker images;
  if (!stream_idx(images_path, images)) {
    IdxArray whole = read_idx(images_path);
    images = ImagePacker();
    images.header(whole.dims);
    images.data(whole.data.data(), whole.data.size());
  }
  ByteSink labels;
  if (!stream_idx(labels_path, labels)) {
    IdxArray whole = read_idx(labels_path);
    labels.dims_ = whole.dims;
    labels.bytes_ = std::move(whole.data);
  }
  if (images.dims_.size() != 3)
    throw IOError(images_path + ": expected a 3-d IDX array (count x rows x cols), found " +
                  std::to_string(images.dims_.size()) + " dimensions");
  if (labels.dims_.size() != 1)
    throw IOError(labels_path + ": expected a 1-d IDX array of labels, found " + std::to_string(labels.dims_.size()) +
                  " dimensions");
  if (images.dims_[0] != labels.dims_[0])
    throw IOError(images_path + " holds " + std::to_string(images.dims_[0]) + " images but " + labels_path + " holds " +
                  std::to_string(labels.dims_[0]) + " labels; expected the same count");
  for (size_t i = 0; i < labels.bytes_.size(); ++i)
    if (labels.bytes_[i] >= classes)
      throw IOError(labels_path + ": label " + std::to_string(labels.bytes_[i]) + " at byte " + std::to_string(8 + i) +
                    " (example " + std::to_string(i) + ") is out of range: expected 0 to " +
                    std::to_string(classes - 1));
  if (images.dims_[0] == 0) throw IOError(images_path + ": holds no images; expected at least one");
  if (images.dims_[1] == 0 || images.dims_[2] == 0)
    throw IOError(images_path + ": images of " + std::to_string(images.dims_[1]) + "x" + std::to_string(images.dims_[2]) +
                  " pixels; expected at least 1x1");
  images_path_ = images_path;
  count_ = images.dims_[0];
  rows_ = images.dims_[1];
  cols_ = images.dims_[2];
  packed_ = std::move(images.packed_);
  boxes_ = std::move(images.boxes_);
  labels_ = std::move(labels.bytes_);
}

void MNISTLike::image_pixels(int64_t index, uint8_t* out) const {
  const size_t plane = static_cast<size_t>(rows_ * cols_);
  if (boxes_.empty()) {
    std::memcpy(out, packed_.data() + static_cast<size_t>(index) * plane, plane);
    return;
  }
  std::memset(out, 0, plane);
  for_each_row(index, [&](int64_t offset, const uint8_t* src, int64_t length) {
    std::memcpy(out + offset, src, static_cast<size_t>(length));
  });
}

std::vector<uint8_t> MNISTLike::pixels() const {
  const size_t plane = static_cast<size_t>(rows_ * cols_);
  std::vector<uint8_t> out(static_cast<size_t>(count_) * plane);
  for (int64_t i = 0; i < count_; ++i) image_pixels(i, out.data() + static_cast<size_t>(i) * plane);
  return out;
}

Example MNISTLike::get(int64_t index) const {
  if (index < 0 || index >= count_)
    throw ValueError("index " + std::to_string(index) + " out of range for a dataset of " + std::to_string(count_) +
                     " examples");
  Tensor image = Tensor::empty({1, rows_, cols_});
  const int64_t n = rows_ * cols_;
  float* dst = image.data();
  if (!transpose_ && !boxes_.empty()) {
    // Zeros, then the box's pixels: the same values as converting the whole image.
    std::memset(dst, 0, static_cast<size_t>(n) * sizeof(float));
    for_each_row(index, [&](int64_t offset, const uint8_t* src, int64_t length) {
      for (int64_t c = 0; c < length; ++c) dst[offset + c] = static_cast<float>(src[c]);
    });
    return {transform_ ? transform_(image) : image, static_cast<int64_t>(labels_[index])};
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(n));
  image_pixels(index, bytes.data());
  const uint8_t* src = bytes.data();
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
