#include "train/tfrecord.hpp"

#include <isa-l/crc.h>

#include <climits>

namespace fovea::train::detail {

namespace {

// Appends `value` as `bytes` little-endian bytes, whatever the host's byte order.
void append_little_endian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  // ISA-L's crc32_iscsi neither inverts the initial value nor the result: it is the bare register
  // update (crc32_iscsi("123456789", 9, 0) == 0x58e3fa20). The standard CRC-32C starts the
  // register at 0xFFFFFFFF and inverts it at the end, hence the two ~.
  // The length is an int: longer buffers go in pieces, the register carried from one to the next.
  auto* bytes = static_cast<unsigned char*>(const_cast<void*>(data));  // ISA-L only reads it
  uint32_t reg = 0xFFFFFFFFu;
  while (size > 0) {
    const int piece = size > size_t(INT_MAX) ? INT_MAX : static_cast<int>(size);
    reg = crc32_iscsi(bytes, piece, reg);
    bytes += piece;
    size -= size_t(piece);
  }
  return ~reg;
}

uint32_t mask_crc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

uint32_t masked_crc32c(const void* data, size_t size) { return mask_crc32c(crc32c(data, size)); }

std::string tfrecord(const std::string& data) {
  std::string record;
  record.reserve(8 + 4 + data.size() + 4);
  append_little_endian(record, data.size(), 8);
  append_little_endian(record, masked_crc32c(record.data(), 8), 4);
  record += data;
  append_little_endian(record, masked_crc32c(data.data(), data.size()), 4);
  return record;
}

}  // namespace fovea::train::detail
