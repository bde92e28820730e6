#include "fovea/data/idx.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "data/gzip.hpp"
#include "fovea/error.hpp"
#include "support/checked_math.hpp"

namespace fovea::data {

namespace {

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw IOError(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw IOError(path + ": is a directory, expected an IDX file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw IOError(path + ": cannot open: " + std::strerror(errno));
  std::streamsize size = in.tellg();
  if (size < 0) throw IOError(path + ": cannot determine the file size");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw IOError(path + ": read failed after " + std::to_string(in.gcount()) + " of " + std::to_string(size) +
                  " bytes");
  return bytes;
}

}  // namespace

std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
  std::vector<uint8_t> bytes = read_file(path);
  if (!detail::is_gzip(bytes.data(), bytes.size())) return bytes;
  return detail::gunzip(bytes.data(), bytes.size(), path, detail::gunzip_limit(bytes.size()));
}

IdxArray parse_idx(std::vector<uint8_t> bytes, const std::string& name) {
  const size_t size = bytes.size();
  if (size < 4)
    throw IOError(name + ": truncated at byte " + std::to_string(size) +
                  ": expected a 4-byte IDX magic number (0x00 0x00 0x08 ndims), found " + std::to_string(size) +
                  " bytes");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw IOError(name + ": not an IDX file: bad magic number at byte 0: expected 0x00 0x00 0x08 0x01..0x04, found " +
                  hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) + " " + hex_byte(bytes[2]) + " " + hex_byte(bytes[3]));
  if (bytes[2] != 0x08)
    throw IOError(name + ": unsupported IDX data type at byte 2: expected 0x08 (unsigned byte), found " +
                  hex_byte(bytes[2]));
  const int ndims = bytes[3];
  if (ndims < 1 || ndims > 4)
    throw IOError(name + ": bad IDX dimension count at byte 3: expected 1 to 4, found " + std::to_string(ndims));

  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (size < header)
    throw IOError(name + ": truncated at byte " + std::to_string(size) + ": expected a " + std::to_string(header) +
                  "-byte IDX header for " + std::to_string(ndims) + " dimensions, found " + std::to_string(size) +
                  " bytes");

  IdxArray array;
  for (int d = 0; d < ndims; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    array.dims.push_back(int64_t(p[0]) << 24 | int64_t(p[1]) << 16 | int64_t(p[2]) << 8 | int64_t(p[3]));
  }
  // Four dims below 2^32 can multiply past 2^64: such a file is "truncated" too, without the
  // product ever wrapping around to a size that looks right.
  const uint64_t found = size - header;
  const std::optional<uint64_t> product = support::checked_product(array.dims, UINT64_MAX);
  const uint64_t expected = product.value_or(UINT64_MAX);
  const std::string what =
      " bytes of data (" + dims_string(array.dims) + ") after the " + std::to_string(header) + "-byte header";
  if (!product || found < expected)
    throw IOError(name + ": truncated at byte " + std::to_string(size) + ": expected " +
                  (product ? "" : "more than ") + std::to_string(expected) + what + ", found " + std::to_string(found));
  if (found > expected)
    throw IOError(name + ": " + std::to_string(found - expected) + " trailing bytes at byte " +
                  std::to_string(header + expected) + ": expected the file to end after " + std::to_string(expected) +
                  what);
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  array.data = std::move(bytes);
  return array;
}

IdxArray read_idx(const std::string& path) { return parse_idx(read_maybe_gzip(path), path); }

}  // namespace fovea::data
