#pragma once
// Where tensor storage comes from.
//
// A training step allocates the same few large buffers (activations, their gradients) and frees
// them again, 469 times an epoch. Handed straight to malloc, blocks this large are mmap'd and
// unmapped, or trimmed off the heap, each time, and every first touch of every page then faults:
// measured here, that made ReLU over conv1's 6.4 MB output 4x slower than the arithmetic and cost
// a third of the epoch. So large blocks freed by a tensor are kept, by exact size, and handed to
// the next tensor that asks for that size: steady-state steps touch only pages already mapped.
#include <cstdint>

namespace fovea::detail {

// 64-byte aligned room for `nbytes` bytes (at least one), uninitialised.
void* allocate_bytes(int64_t nbytes);
// Returns memory from allocate_bytes(nbytes).
void release_bytes(void* data, int64_t nbytes);
// Bytes held for reuse right now (for tests and memory reports).
int64_t cached_bytes();

}  // namespace fovea::detail
