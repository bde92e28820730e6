#include "fovea/data/download.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>

#include "data/gzip.hpp"
#include "fovea/error.hpp"
#include "support/atomic_file.hpp"

namespace fovea::data {

namespace {

namespace fs = std::filesystem;

// Files above this are not MNIST; refuse them rather than fill memory.
constexpr curl_off_t kMaxBytes = curl_off_t{256} << 20;

// curl_global_init is not thread-safe itself; once per process, never cleaned up, because another
// part of the program may still hold a curl handle at exit.
void curl_global_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw DownloadError("cannot initialise libcurl");
  });
}

size_t append(char* data, size_t size, size_t count, void* user) {
  static_cast<std::vector<uint8_t>*>(user)->insert(static_cast<std::vector<uint8_t>*>(user)->end(), data,
                                                   data + size * count);
  return size * count;
}

// The body of `url`, or a one-phrase reason in `error`.
bool fetch(const std::string& url, long timeout_seconds, std::vector<uint8_t>& body, std::string& error) {
  curl_global_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    error = "cannot create a curl handle";
    return false;
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM-based timeouts: we may not be the main thread
  // A slow mirror is fine, a stalled one is not: give up on the connection after the timeout, and
  // on the transfer once it has moved less than 1 KiB/s for that long.
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout_seconds);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, kMaxBytes);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "fovea/0.1");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return true;
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_HTTP_RETURNED_ERROR && status >= 400)
    error = "HTTP " + std::to_string(status);
  else
    error = errbuf[0] ? errbuf : curl_easy_strerror(rc);  // errbuf is the more specific of the two
  return false;
}

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw DownloadError("OpenSSL could not compute a SHA-256 digest");
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

// Stores the verified bytes atomically (support/atomic_file.hpp): `final` is either absent or
// complete, even if the process dies mid-write.
void write_atomically(const fs::path& final_path, const std::vector<uint8_t>& bytes) {
  // Only now: a download that fails everywhere leaves no empty folder behind.
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) throw IOError(final_path.parent_path().string() + ": cannot create the data folder: " + ec.message());
  support::write_file_atomically(final_path.string(), bytes.data(), bytes.size());
}

std::string strip_gz(const std::string& name) {
  return name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0 ? name.substr(0, name.size() - 3) : name;
}

}  // namespace

const std::vector<RemoteFile>& mnist_files() {
  static const std::vector<RemoteFile> files = {
      {"train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
      {"train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
      {"t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
      {"t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
  };
  return files;
}

std::vector<std::string> mnist_mirrors() {
  std::vector<std::string> mirrors;
  if (const char* env = std::getenv("FOVEA_MNIST_MIRRORS")) {
    std::istringstream in(env);
    for (std::string url; in >> url;) mirrors.push_back(url);
  }
  if (mirrors.empty())
    mirrors = {"https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"};
  return mirrors;
}

bool have_file(const std::string& root, const std::string& raw_name) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(root) / raw_name, ec) ||
         fs::is_regular_file(fs::path(root) / (raw_name + ".gz"), ec);
}

void download_mnist(const std::string& root, const std::vector<std::string>& mirrors, long timeout_seconds) {
  for (const RemoteFile& file : mnist_files()) {
    const std::string raw_name = strip_gz(file.name);
    if (have_file(root, raw_name)) continue;
    std::string failures;
    bool done = false;
    for (const std::string& mirror : mirrors) {
      const std::string url = mirror + (mirror.empty() || mirror.back() != '/' ? "/" : "") + file.name;
      std::fprintf(stderr, "downloading %s from %s\n", file.name.c_str(), url.c_str());
      std::vector<uint8_t> body;
      std::string error;
      if (fetch(url, timeout_seconds, body, error)) {
        const bool gzipped = detail::is_gzip(body.data(), body.size());
        std::vector<uint8_t> content;
        try {
          if (gzipped) content = detail::gunzip(body.data(), body.size(), url);
        } catch (const IOError& e) {
          error = e.what();
        }
        if (error.empty()) {
          std::string got = sha256_hex(gzipped ? content : body);
          if (got == file.sha256) {
            // Cached as served; a mirror that sent the file uncompressed gets it stored under the
            // raw name. A failure to write is local, so it is thrown at once, not tried elsewhere.
            write_atomically(fs::path(root) / (gzipped ? file.name : raw_name), body);
            done = true;
            break;
          }
          error = "checksum mismatch: expected SHA-256 " + file.sha256 + " got " + got;
        }
      }
      failures += (failures.empty() ? "" : "; ") + url + ": " + error;
    }
    if (!done) {
      std::error_code ec;  // a stale .part from an interrupted earlier run goes too
      fs::remove(fs::path(root) / (file.name + ".part"), ec);
      fs::remove(fs::path(root) / (raw_name + ".part"), ec);
      throw DownloadError("could not download " + file.name +
                          " from any mirror: " + (mirrors.empty() ? "no mirrors given" : failures) +
                          "; to proceed offline, download the four MNIST files by hand into " + root +
                          " or pass --data DIR naming a folder that holds them");
    }
  }
}

}  // namespace fovea::data
