#include "fovea/data/cifar.hpp"

#include <filesystem>
#include <fstream>

#include "fovea/error.hpp"

namespace fovea::data {

namespace {

namespace fs = std::filesystem;

// The folder that holds the batch files: root itself, or the archive's cifar-10-batches-bin/.
fs::path batch_folder(const std::string& root, const std::string& first_file) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(root) / first_file, ec)) return root;
  const fs::path nested = fs::path(root) / "cifar-10-batches-bin";
  if (fs::is_regular_file(nested / first_file, ec)) return nested;
  throw IOError(root + ": no " + first_file + " in it nor in its cifar-10-batches-bin/; expected CIFAR-10's binary "
                "version (data_batch_1.bin ... data_batch_5.bin and test_batch.bin)");
}

// Appends one batch file's records to labels and pixels, checking the size and every label
// before anything is kept.
void read_batch(const fs::path& path, std::vector<uint8_t>& labels, std::vector<uint8_t>& pixels) {
  const std::string name = path.string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw IOError(name + ": no such file; expected a CIFAR-10 binary batch");
  const auto bytes = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) throw IOError(name + ": cannot read its size (" + ec.message() + ")");
  const int64_t record = CIFAR10::kRecordBytes;
  if (bytes == 0 || bytes % record != 0)
    throw IOError(name + ": " + std::to_string(bytes) + " bytes is not a whole number of " + std::to_string(record) +
                  "-byte records (1 label byte + 3 x 32 x 32 pixels); the file is truncated or not CIFAR-10's binary "
                  "version");
  const int64_t records = bytes / record;
  if (records > CIFAR10::kMaxRecordsPerFile)
    throw IOError(name + ": " + std::to_string(records) + " records; a CIFAR-10 batch holds 10000 (at most " +
                  std::to_string(CIFAR10::kMaxRecordsPerFile) + " are accepted)");
  std::vector<uint8_t> data(static_cast<size_t>(bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(data.data()), bytes))
    throw IOError(name + ": could not read " + std::to_string(bytes) + " bytes");
  for (int64_t r = 0; r < records; ++r) {
    const uint8_t label = data[static_cast<size_t>(r * record)];
    if (label > 9)
      throw IOError(name + ": label " + std::to_string(label) + " of record " + std::to_string(r) + " (byte " +
                    std::to_string(r * record) + ") is out of range: expected 0 to 9");
  }
  for (int64_t r = 0; r < records; ++r) {
    const uint8_t* at = data.data() + r * record;
    labels.push_back(at[0]);
    pixels.insert(pixels.end(), at + 1, at + record);
  }
}

}  // namespace

CIFAR10::CIFAR10(const std::string& root, bool train, transforms::Transform transform)
    : transform_(std::move(transform)) {
  const std::vector<std::string> files =
      train ? std::vector<std::string>{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                                       "data_batch_5.bin"}
            : std::vector<std::string>{"test_batch.bin"};
  const fs::path folder = batch_folder(root, files.front());
  for (const std::string& file : files) read_batch(folder / file, labels_, pixels_);
}

Example CIFAR10::get(int64_t index) const {
  FOVEA_CHECK(index >= 0 && index < size(), ValueError, "CIFAR10: index ", index, " out of range for ", size(),
              " examples");
  constexpr int64_t n = kRecordBytes - 1;
  Tensor image = Tensor::empty({3, 32, 32});
  const uint8_t* src = pixels_.data() + index * n;
  float* dst = image.data();
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
  return {transform_ ? transform_(image) : image, static_cast<int64_t>(labels_[static_cast<size_t>(index)])};
}

std::vector<std::string> CIFAR10::classes() const {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

}  // namespace fovea::data
