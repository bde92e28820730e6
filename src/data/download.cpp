#include "fovea/data/download.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>

#include "data/gzip.hpp"
#include "fovea/error.hpp"
#include "support/atomic_file.hpp"

namespace fovea::data {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// curl_global_init is not thread-safe itself; once per process, never cleaned up, because another
// part of the program may still hold a curl handle at exit.
void curl_global_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw DownloadError("cannot initialise libcurl");
  });
}

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string hex(const unsigned char* bytes, unsigned int length) {
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw DownloadError("OpenSSL could not compute a SHA-256 digest");
  return hex(digest, length);
}

// One transfer's state, shared with the write callback: the body so far, its running SHA-256, and
// the byte caps. The cap depends on what the body is, known from its first two bytes: a gzip body
// may be the official .gz size plus the margin, an uncompressed one exactly the raw size.
struct Transfer {
  size_t gz_bytes = 0, margin = 0, raw_cap = 0;
  std::vector<uint8_t> body;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  std::string abort_reason;  // set by the callback when it stops the transfer

  size_t gz_cap() const { return margin > SIZE_MAX - gz_bytes ? SIZE_MAX : gz_bytes + margin; }
  size_t max_cap() const { return std::max(gz_cap(), raw_cap); }
};

// Appends a chunk to the body, or returns 0 with t.abort_reason set.
size_t take(Transfer& t, const char* data, size_t n) {
  const size_t total = t.body.size() + n;
  auto byte_at = [&](size_t i) { return static_cast<uint8_t>(i < t.body.size() ? t.body[i] : data[i - t.body.size()]); };
  // Until two bytes are in, the body may still be either kind: the larger cap holds.
  const bool known = total >= 2, gz = known && byte_at(0) == 0x1f && byte_at(1) == 0x8b;
  const size_t cap = !known ? t.max_cap() : gz ? t.gz_cap() : t.raw_cap;
  if (total > cap) {
    t.abort_reason = "body passes the limit of " + std::to_string(cap) + " bytes" +
                     (gz ? " (the official .gz's " + std::to_string(t.gz_bytes) + " + a margin of " +
                               std::to_string(t.margin) + ")"
                         : known ? " (the uncompressed file's size)" : "") +
                     "; transfer aborted";
    return 0;
  }
  t.body.insert(t.body.end(), data, data + n);
  if (EVP_DigestUpdate(t.sha.get(), data, n) != 1) {
    t.abort_reason = "OpenSSL could not update the SHA-256 digest";
    return 0;
  }
  return n;
}

// libcurl's write callback: returning anything but size * count aborts the transfer
// (CURLE_WRITE_ERROR). Nothing may throw through C.
size_t on_body(char* data, size_t size, size_t count, void* user) {
  Transfer& t = *static_cast<Transfer*>(user);
  try {
    return take(t, data, size * count);
  } catch (const std::exception& e) {
    t.abort_reason = std::string("transfer aborted after ") + std::to_string(t.body.size()) + " bytes: " + e.what();
    return 0;
  }
}

// Runs the transfer on a multi handle, waking at least every kTick to check the two time limits
// itself: curl's own LOW_SPEED_TIME counts whole seconds and measures no speed in the first one,
// and its timeouts share one error code. Returns "" when curl finished (its result in `result`),
// or why it was given up.
constexpr auto kTick = std::chrono::milliseconds(50);

std::string run(CURL* c, Transfer& t, Clock::time_point deadline, const DownloadOptions& options, CURLcode& result) {
  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), curl_multi_cleanup);
  if (!multi || curl_multi_add_handle(multi.get(), c) != CURLM_OK) return "cannot create a curl multi handle";
  struct Remove {
    CURLM* m;
    CURL* c;
    ~Remove() { curl_multi_remove_handle(m, c); }
  } remove{multi.get(), c};
  auto with_count = [&](const std::string& what) {
    return what + " (" + std::to_string(t.body.size()) + " bytes received)";
  };
  // The stall check: each window of stall_time must bring stall_bytes_per_second * stall_time.
  const double stall_seconds = std::chrono::duration<double>(options.stall_time).count();
  const size_t window_need = static_cast<size_t>(static_cast<double>(options.stall_bytes_per_second) * stall_seconds);
  auto window_start = Clock::now();
  size_t window_bytes = 0;
  while (true) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi.get(), &running);
    if (mc != CURLM_OK) return curl_multi_strerror(mc);
    if (running == 0) {
      int queued = 0;
      CURLMsg* msg = curl_multi_info_read(multi.get(), &queued);
      result = msg && msg->msg == CURLMSG_DONE ? msg->data.result : CURLE_OK;
      return "";
    }
    const auto now = Clock::now();
    if (now >= deadline)
      return with_count("gave up at the overall download deadline of " + seconds_text(options.deadline));
    if (now - window_start >= options.stall_time) {
      if (t.body.size() - window_bytes < window_need)
        return with_count("stalled: less than " + std::to_string(options.stall_bytes_per_second) + " bytes/s over " +
                          seconds_text(options.stall_time));
      window_start = now;
      window_bytes = t.body.size();
    }
    mc = curl_multi_poll(multi.get(), nullptr, 0, static_cast<int>(kTick.count()), nullptr);
    if (mc != CURLM_OK) return curl_multi_strerror(mc);
  }
}

// Fetches `url` into `t` before `deadline`, or returns a one-phrase reason.
std::string fetch(const std::string& url, Transfer& t, Clock::time_point deadline, const DownloadOptions& options) {
  curl_global_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl || !t.sha || EVP_DigestInit_ex(t.sha.get(), EVP_sha256(), nullptr) != 1)
    return "cannot set up the transfer (libcurl or OpenSSL)";
  char errbuf[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // http(s) only, redirects included: a mirror must not redirect to file:// or anything else.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM-based timeouts: we may not be the main thread
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  // Bytes: a Content-Length above every cap is refused before the body; without one (or when it
  // lies), on_body enforces the cap as the bytes arrive. No CURLOPT_ACCEPT_ENCODING: the body
  // arrives as stored, never inflated by curl.
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(std::min<size_t>(t.max_cap(), std::numeric_limits<curl_off_t>::max())));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "fovea/0.1");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  CURLcode rc = CURLE_OK;
  if (std::string gave_up = run(c, t, deadline, options, rc); !gave_up.empty()) return gave_up;
  long status = 0;
  switch (rc) {
    case CURLE_OK:
      return "";
    case CURLE_WRITE_ERROR:
      if (!t.abort_reason.empty()) return t.abort_reason;
      break;
    case CURLE_FILESIZE_EXCEEDED:
      return "the server's Content-Length is above the limit of " + std::to_string(t.max_cap()) +
             " bytes; refused before the body";
    case CURLE_OPERATION_TIMEDOUT:  // only the connect timeout is curl's
      return "no connection within " + seconds_text(options.connect_timeout);
    case CURLE_HTTP_RETURNED_ERROR:
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
      if (status >= 400) return "HTTP " + std::to_string(status);
      break;
    default:
      break;
  }
  return errbuf[0] ? errbuf : curl_easy_strerror(rc);  // errbuf is the more specific of the two
}

// Whether `t.body` is `file`, or why not. An official .gz verifies by the digest streamed in
// on_body; any other gzip body (a mirror that recompressed) is inflated, the exact raw size as the
// output limit, and its content checked; an uncompressed body verifies by the streamed digest.
std::string verify(const RemoteFile& file, const std::string& url, Transfer& t) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(t.sha.get(), digest, &length) != 1) return "OpenSSL could not finish the SHA-256 digest";
  const std::string streamed = hex(digest, length);
  const bool gzipped = detail::is_gzip(t.body.data(), t.body.size());
  if (gzipped && streamed == file.gz_sha256) return "";
  std::string got = streamed;
  if (gzipped) {
    std::vector<uint8_t> content;
    try {
      content = detail::gunzip(t.body.data(), t.body.size(), url, file.raw_bytes);
    } catch (const IOError& e) {
      std::string what = e.what();  // "<url>: ..."; the caller names the URL
      if (what.compare(0, url.size() + 2, url + ": ") == 0) what.erase(0, url.size() + 2);
      return what;
    }
    got = sha256_hex(content);
  }
  if (got == file.sha256) return "";
  return "checksum mismatch: expected SHA-256 " + file.sha256 + " got " + got;
}

// Stores the verified bytes atomically (support/atomic_file.hpp): `final` is either absent or
// complete, even if the process dies mid-write. The temporary is created with O_EXCL under a
// random name and renamed over `final`: a symlink planted at either is never followed.
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
  // SHA-256 of the content, its size, SHA-256 and size of the .gz on ossci-datasets and LeCun's site.
  static const std::vector<RemoteFile> files = {
      {"train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016,
       "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422},
      {"train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008,
       "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881},
      {"t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016,
       "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877},
      {"t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008,
       "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542},
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

void download_mnist(const std::string& root, const std::vector<std::string>& mirrors, const DownloadOptions& options) {
  const auto deadline = Clock::now() + options.deadline;
  for (const RemoteFile& file : mnist_files()) {
    const std::string raw_name = strip_gz(file.name);
    if (have_file(root, raw_name)) continue;
    std::string failures;
    bool done = false;
    for (const std::string& mirror : mirrors) {
      const std::string url = mirror + (mirror.empty() || mirror.back() != '/' ? "/" : "") + file.name;
      std::string error;
      if (Clock::now() >= deadline) {
        error = "not tried: the overall download deadline of " + seconds_text(options.deadline) + " had passed";
      } else {
        std::fprintf(stderr, "downloading %s from %s\n", file.name.c_str(), url.c_str());
        Transfer t;
        t.gz_bytes = file.gz_bytes;
        t.margin = options.size_margin;
        t.raw_cap = file.raw_bytes;
        error = fetch(url, t, deadline, options);
        if (error.empty()) error = verify(file, url, t);
        if (error.empty()) {
          // Cached as served; a mirror that sent the file uncompressed gets it stored under the
          // raw name. A failure to write is local, so it is thrown at once, not tried elsewhere.
          const bool gzipped = detail::is_gzip(t.body.data(), t.body.size());
          write_atomically(fs::path(root) / (gzipped ? file.name : raw_name), t.body);
          done = true;
          break;
        }
      }
      failures += (failures.empty() ? "" : "; ") + url + ": " + error;
    }
    if (!done)
      throw DownloadError("could not download " + file.name +
                          " from any mirror: " + (mirrors.empty() ? "no mirrors given" : failures) +
                          "; to proceed offline, download the four MNIST files by hand into " + root +
                          " or pass --data DIR naming a folder that holds them");
  }
}

}  // namespace fovea::data
