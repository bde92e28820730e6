// TFRecord framing and its CRC-32C, against vectors computed apart from ISA-L (a bitwise
// CRC-32C in Python): the standard check value, 32 zero and 32 0xFF bytes (RFC 3720's), their
// masked forms, and two records byte by byte.
#include "train/tfrecord.hpp"

#include <gtest/gtest.h>

#include <vector>

using fovea::train::detail::crc32c;
using fovea::train::detail::mask_crc32c;
using fovea::train::detail::masked_crc32c;
using fovea::train::detail::tfrecord;

TEST(TfRecord, Crc32cKnownVectors) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  const std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF);
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(crc32c("", 0), 0x00000000u);
}

TEST(TfRecord, MaskedCrc32cRotatesAndOffsets) {
  EXPECT_EQ(masked_crc32c("123456789", 9), 0xC78AB0E5u);
  const std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF);
  EXPECT_EQ(masked_crc32c(zeros.data(), zeros.size()), 0x0FD7FFFAu);
  EXPECT_EQ(masked_crc32c(ones.data(), ones.size()), 0xF909B029u);
  EXPECT_EQ(mask_crc32c(0), 0xA282EAD8u);
  EXPECT_EQ(mask_crc32c(0x00008000u), 0xA282EAD9u);  // bit 15 rotates round to bit 0
}

TEST(TfRecord, FramesARecordByteByByte) {
  const std::vector<unsigned char> expected = {
      0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // length 3, little-endian
      0xb0, 0x99, 0x49, 0x0e,                          // masked CRC-32C of those 8 bytes
      'a',  'b',  'c',                                 // the data
      0x6e, 0x57, 0xf1, 0x21};                         // masked CRC-32C of the data
  const std::string record = tfrecord("abc");
  ASSERT_EQ(record.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(uint8_t(record[i]), expected[i]) << "byte " << i;

  const std::vector<unsigned char> empty = {0, 0, 0, 0, 0, 0, 0, 0, 0x29, 0x03, 0x98, 0x07, 0xd8, 0xea, 0x82, 0xa2};
  EXPECT_EQ(tfrecord(""), std::string(empty.begin(), empty.end()));
}
