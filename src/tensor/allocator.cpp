#include "tensor/allocator.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <map>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "fovea/error.hpp"

namespace fovea::detail {

namespace {

#ifdef FOVEA_SANITIZER_BUILD
// Under a sanitizer (cmake/Sanitizers.cmake) every block goes to malloc and back. A block the cache
// hands to its next owner is invisible to them: ASan would not see a use after free (it reads the
// next tensor's data), and TSan would not see the change of owner as synchronisation, so it reports
// a race between, say, an OpenMP worker that wrote the block and a DataLoader worker that got it next.
constexpr size_t kCacheFrom = SIZE_MAX;
#else
// Below this, malloc's own free lists already reuse memory without page faults.
constexpr size_t kCacheFrom = size_t{128} << 10;
#endif
// An upper bound on what is kept: a program whose shapes keep changing must not hoard memory.
constexpr size_t kCacheLimit = size_t{256} << 20;

size_t bytes_for(int64_t nbytes) {
  // A size from a shape past what memory could hold is refused before it wraps.
  if (nbytes > int64_t{1} << 60) throw OutOfMemoryError("a tensor of " + std::to_string(nbytes) + " bytes cannot be allocated");
  size_t n = static_cast<size_t>(nbytes < 1 ? 1 : nbytes);
  return (n + 63) / 64 * 64;
}

[[noreturn]] void out_of_memory(size_t bytes) {
  char size[32];
  std::snprintf(size, sizeof size, "%.1f MiB", double(bytes) / double(1 << 20));
  throw OutOfMemoryError("out of memory allocating " + std::string(size) + " (" + std::to_string(bytes) +
                         " bytes) for a tensor");
}

// Free blocks by size. A request takes the smallest cached block that fits, if it is at most
// kSlack times the request: the last, shorter batch of an epoch then reuses the full batch's
// blocks instead of growing the cache by a second set.
constexpr double kSlack = 1.5;

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, void*> free_blocks;
  std::unordered_map<void*, size_t> block_size;  // every cacheable block handed out, by its real size
  size_t held = 0;
};

// Never destroyed: tensors in static storage may be freed after it would have been.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

}  // namespace

void* allocate_bytes(int64_t nbytes) {
  const size_t bytes = bytes_for(nbytes);
  if (bytes < kCacheFrom) {
    void* p = std::aligned_alloc(64, bytes);
    if (!p) out_of_memory(bytes);
    return p;
  }
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.free_blocks.lower_bound(bytes);
  if (it != c.free_blocks.end() && double(it->first) <= kSlack * double(bytes)) {
    void* p = it->second;
    c.held -= it->first;
    c.free_blocks.erase(it);
    return p;
  }
  void* p = std::aligned_alloc(64, bytes);
  if (!p) {
    // The cache may be what fills memory: give its blocks back and try once more.
    for (auto& [size, block] : c.free_blocks) {
      c.block_size.erase(block);
      std::free(block);
    }
    c.free_blocks.clear();
    c.held = 0;
    p = std::aligned_alloc(64, bytes);
    if (!p) out_of_memory(bytes);
  }
  c.block_size[p] = bytes;
  return p;
}

void release_bytes(void* data, int64_t nbytes) {
  if (!data) return;
  if (bytes_for(nbytes) < kCacheFrom) {
    std::free(data);
    return;
  }
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  const size_t bytes = c.block_size.at(data);  // may be larger than asked for: a reused block
  if (c.held + bytes <= kCacheLimit) {
    c.free_blocks.emplace(bytes, data);
    c.held += bytes;
    return;
  }
  c.block_size.erase(data);
  std::free(data);
}

int64_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return static_cast<int64_t>(c.held);
}

}  // namespace fovea::detail
