#pragma once
// Writing a file so that its path always holds either the old content or the complete new one,
// whatever happens mid-write (an exception, SIGKILL, power loss): the bytes go to a temporary
// file of a unique name beside it, are flushed to disk (fsync), and the temporary is renamed over
// the path, which POSIX makes atomic; then the folder is flushed so the rename itself survives.
// Used by every writer of fovea's files (downloads, safetensors, checkpoints). Below every layer:
// it knows only paths and bytes.
#include <cstddef>
#include <string>

namespace fovea::support {

class AtomicFileWriter {
 public:
  // Creates `<path>.tmp.XXXXXX` beside `path` (the folder must exist). Throws IOError.
  explicit AtomicFileWriter(std::string path);
  // Removes the temporary unless commit() succeeded: a failed write leaves `path` untouched.
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Appends bytes; throws IOError naming the path and the offset (disk full, ...).
  void write(const void* data, size_t bytes);
  // fsync, rename into place, fsync the folder. Throws IOError; afterwards `path` is complete.
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  size_t written_ = 0;
  bool committed_ = false;
};

// The whole file at once.
void write_file_atomically(const std::string& path, const void* data, size_t bytes);

}  // namespace fovea::support
