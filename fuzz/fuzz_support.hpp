#pragma once
// Shared by the fuzz targets (one file each, <name>_fuzz.cpp; README.md in this folder says how to
// run them). Each target calls one parser of untrusted bytes the way fovea does and accepts only
// the errors that parser documents: any other exception escapes, and libFuzzer reports it as a
// crash ("deadly signal" after std::terminate), as it does a sanitizer error or a broken invariant.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fovea::fuzz {

// A property that must hold for every input the parser accepted. abort(), not assert: the targets
// build with NDEBUG like the library.
#define FOVEA_FUZZ_CHECK(cond)                                                                    \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);          \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

// For the parsers that take a path (io::read_safetensors, io::load_checkpoint): the input as a
// file in memory (memfd), opened by its /proc/self/fd path. Nothing touches the disk and nothing is
// left behind; one file per process, rewritten for each input.
class MemoryFile {
 public:
  MemoryFile() : fd_(memfd_create("fovea-fuzz", MFD_CLOEXEC)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  // Replaces the file's content with `data`; returns its path.
  const std::string& write(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0 || lseek(fd_, 0, SEEK_SET) != 0) std::abort();
    for (size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace fovea::fuzz
