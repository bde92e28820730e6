#include "tensor/allocator.hpp"

#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "fovea/error.hpp"

namespace fovea::detail {

namespace {

// Below this, malloc's own free lists already reuse memory without page faults.
constexpr size_t kCacheFrom = size_t{128} << 10;
// An upper bound on what is kept: a program whose shapes keep changing must not hoard memory.
constexpr size_t kCacheLimit = size_t{256} << 20;

size_t bytes_for(int64_t count) {
  size_t n = static_cast<size_t>(count < 1 ? 1 : count) * sizeof(float);
  return (n + 63) / 64 * 64;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
  size_t held = 0;
};

// Never destroyed: tensors in static storage may be freed after it would have been.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

}  // namespace

float* allocate_floats(int64_t count) {
  const size_t bytes = bytes_for(count);
  if (bytes >= kCacheFrom) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_blocks.find(bytes);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.held -= bytes;
      return static_cast<float*>(p);
    }
  }
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes for a tensor");
  return static_cast<float*>(p);
}

void release_floats(float* data, int64_t count) {
  if (!data) return;
  const size_t bytes = bytes_for(count);
  if (bytes >= kCacheFrom) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.held + bytes <= kCacheLimit) {
      c.free_blocks[bytes].push_back(data);
      c.held += bytes;
      return;
    }
  }
  std::free(data);
}

int64_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return static_cast<int64_t>(c.held);
}

}  // namespace fovea::detail
