#pragma once
// Fetching MNIST from the public mirrors. Every transfer is bounded in bytes and in time, whatever
// the server does (an endless body, a lying Content-Length, a trickle, a stall, a gzip bomb):
//   - the body is capped while it streams (the file's known .gz size + DownloadOptions::size_margin,
//     or its exact raw size for a mirror serving it uncompressed) and the transfer is aborted the
//     moment the cap is passed; a Content-Length above the cap is refused before any body;
//   - its SHA-256 is computed as the bytes arrive and compared at the end with the official .gz's;
//     a mirror that recompressed the file is still accepted when its content, gunzipped with the
//     exact raw size as the output limit, has the original file's SHA-256;
//   - one deadline covers the whole call (every file, every mirror), and a transfer slower than
//     stall_bytes_per_second for stall_time is given up.
// Only a verified file is written, through a temporary of a unique, exclusively created name
// (support/atomic_file.hpp) renamed into place: a failure leaves neither a partial file nor a
// temporary, and no path is opened that a planted symlink could redirect.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace fovea::data {

struct RemoteFile {
  std::string name;       // e.g. "train-images-idx3-ubyte.gz" (as served and as cached)
  std::string sha256;     // of the uncompressed content
  size_t raw_bytes;       // of the uncompressed content
  std::string gz_sha256;  // of the .gz as the official mirrors serve it
  size_t gz_bytes;        // of that .gz
};

const std::vector<RemoteFile>& mnist_files();
// The mirrors, tried in order: https://ossci-datasets.s3.amazonaws.com/mnist/ and
// http://yann.lecun.com/exdb/mnist/ ; the environment variable FOVEA_MNIST_MIRRORS (space-separated
// base URLs) replaces them.
std::vector<std::string> mnist_mirrors();

// The limits of download_mnist. The defaults suit a real network; tests shrink them.
struct DownloadOptions {
  // How many bytes a gzipped body may exceed the official .gz by: a mirror may recompress (gzip -1
  // makes train-images 1.1 MB larger). An uncompressed body may never exceed the raw size.
  size_t size_margin = size_t{4} << 20;
  // For the whole download_mnist call, over every file and every mirror: 11.6 MB in 15 minutes
  // is 13 KB/s. Once it has passed, the mirrors not yet tried are not tried.
  std::chrono::milliseconds deadline = std::chrono::minutes(15);
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(30);
  // Stall: each window of stall_time (the first one starting with the request) must bring at least
  // stall_bytes_per_second * stall_time body bytes, else the mirror is given up (so a silent one is
  // left within 2 x stall_time) and the next one tried.
  long stall_bytes_per_second = 1024;
  std::chrono::milliseconds stall_time = std::chrono::seconds(30);
};

// True when `root` holds the file, raw or gzipped.
bool have_file(const std::string& root, const std::string& raw_name);
// Downloads every MNIST file that `root` lacks, trying the mirrors in order for each: a failure
// of any kind on one mirror (HTTP error, oversized or wrong body, stall) moves on to the next while
// the deadline lasts. Throws DownloadError, one line naming each URL tried, what went wrong there
// and the limit it hit, and how to proceed offline; IOError when a verified file cannot be written.
void download_mnist(const std::string& root, const std::vector<std::string>& mirrors = mnist_mirrors(),
                    const DownloadOptions& options = {});

}  // namespace fovea::data
