#pragma once
// Fetching MNIST from the public mirrors: each file is downloaded, gunzipped in memory, checked
// against the SHA-256 of the original uncompressed file, and only then written, through a
// temporary file renamed into place, so a failed or corrupt transfer never leaves a partial file
// where a good one belongs.
#include <string>
#include <vector>

namespace fovea::data {

struct RemoteFile {
  std::string name;    // e.g. "train-images-idx3-ubyte.gz" (as served and as cached)
  std::string sha256;  // of the uncompressed content
};

const std::vector<RemoteFile>& mnist_files();
// The mirrors, tried in order: https://ossci-datasets.s3.amazonaws.com/mnist/ and
// http://yann.lecun.com/exdb/mnist/ ; the environment variable FOVEA_MNIST_MIRRORS (space-separated
// base URLs) replaces them.
std::vector<std::string> mnist_mirrors();

// True when `root` holds the file, raw or gzipped.
bool have_file(const std::string& root, const std::string& raw_name);
// Downloads every MNIST file that `root` lacks. Throws DownloadError saying what failed on every
// mirror and how to proceed offline.
void download_mnist(const std::string& root, const std::vector<std::string>& mirrors = mnist_mirrors(),
                    long timeout_seconds = 60);

}  // namespace fovea::data
