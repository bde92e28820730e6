#pragma once
// TFRecord framing, the container of TensorBoard's event files: each record is
//
//   uint64  length of the data, little-endian
//   uint32  masked CRC-32C of those 8 length bytes, little-endian
//   bytes   the data (a serialized Event)
//   uint32  masked CRC-32C of the data, little-endian
//
// The CRC of the length lets a reader tell a torn length from a huge record before it allocates.
// Private to fovea (src/), declared here so the tests can check each piece against known bytes.
#include <cstddef>
#include <cstdint>
#include <string>

namespace fovea::train::detail {

// CRC-32C (Castagnoli, the iSCSI polynomial), as TensorFlow's crc32c::Value:
// crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void* data, size_t size);

// TensorFlow's crc32c::Mask: a CRC stored beside data that itself holds CRCs (records in records)
// would make the CRC of the whole degenerate, so the stored value is rotated and offset:
// ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t mask_crc32c(uint32_t crc);

// mask_crc32c(crc32c(data, size)): the checksum a record stores.
uint32_t masked_crc32c(const void* data, size_t size);

// The bytes of one record framing `data`.
std::string tfrecord(const std::string& data);

}  // namespace fovea::train::detail
