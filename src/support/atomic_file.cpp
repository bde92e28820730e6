#include "support/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "fovea/error.hpp"

namespace fovea::support {

namespace {

std::string errno_text() { return std::strerror(errno); }

// A rename is durable only once the folder holding the name is on disk too.
void sync_folder(const std::string& path) {
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the data itself is safe; an unsyncable folder (some filesystems) is not an error
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp.XXXXXX") {
  std::vector<char> name(tmp_.begin(), tmp_.end());
  name.push_back('\0');
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) throw IOError(path_ + ": cannot create a temporary file beside it: " + errno_text());
  tmp_.assign(name.data());
  ::fchmod(fd_, 0644);  // mkstemp's 0600 would make a saved model unreadable to others
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw IOError(path_ + ": write failed at byte " + std::to_string(written_) + ": " +
                    (n == 0 ? std::string("no progress") : errno_text()));
    p += n;
    bytes -= static_cast<size_t>(n);
    written_ += static_cast<size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (::fsync(fd_) != 0) throw IOError(path_ + ": cannot flush to disk: " + errno_text());
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) throw IOError(path_ + ": cannot close: " + errno_text());
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) throw IOError(path_ + ": cannot rename into place: " + errno_text());
  committed_ = true;
  sync_folder(path_);
}

void write_file_atomically(const std::string& path, const void* data, size_t bytes) {
  AtomicFileWriter out(path);
  out.write(data, bytes);
  out.commit();
}

}  // namespace fovea::support
