#pragma once
// The IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): a big-endian header
// (two zero bytes, a type code, the number of dimensions, then each dimension as uint32) followed
// by the data. fovea reads the unsigned-byte type (0x08), raw or gzip-compressed.
//
// Limits (a file may be hostile): a raw file costs its own size in memory, once. A gzipped one
// inflates to at most min(1 GiB, max(64 MiB, 64 x its size)) bytes (detail::gunzip_limit: MNIST's
// largest file inflates 47 MB at 4.75:1); past that it is an IOError naming the limit, raised as
// soon as the output passes it, never after. The dimensions' product is computed without overflow
// and must equal the data's length exactly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fovea::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // row-major, product(dims) bytes
};

// Throws IOError naming the file, the byte offset and what was expected on a missing file, a wrong
// magic number, a truncated file or trailing bytes.
IdxArray read_idx(const std::string& path);
// Parses IDX from bytes already in memory (decompressed); `name` is used in error messages. Takes
// the bytes by value and strips the header in place, so a 47 MB file is never held twice.
IdxArray parse_idx(std::vector<uint8_t> bytes, const std::string& name);
// The whole file, gunzipped when it starts with the gzip magic bytes.
std::vector<uint8_t> read_maybe_gzip(const std::string& path);

// Where stream_idx hands an IDX file's contents, piece by piece.
class IdxSink {
 public:
  virtual ~IdxSink() = default;
  // Once, when the header is read and its dimensions' product is a size that fits in memory.
  virtual void header(const std::vector<int64_t>& dims) = 0;
  // The data in order, in pieces of any length (product(dims) bytes in all for a good file).
  virtual void data(const uint8_t* bytes, size_t size) = 0;
};

// Reads an IDX file (raw, or one gzip member) without ever holding the file or its data whole:
// the compressed bytes are read and inflated (Intel ISA-L, faster than libdeflate's one call
// and without its 47 MB output buffer) a piece at a time into `sink`. Returns true for a file
// read_idx would accept, with exactly the same data; false, perhaps after feeding part of the
// data, for anything else (a missing or corrupt file, concatenated gzip members, a size past
// gunzip_limit, a bad header, data that does not match it): read_idx then names what is wrong.
// The sink is called on the caller's thread; a gzip file past a MiB inflates meanwhile on a
// thread of its own, a few MiB ahead, so that inflating and the sink's work overlap.
bool stream_idx(const std::string& path, IdxSink& sink);

}  // namespace fovea::data
