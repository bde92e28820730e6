#include "data/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "fovea/error.hpp"

namespace fovea::data::detail {

bool is_gzip(const uint8_t* bytes, size_t size) { return size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

namespace {

// The gzip trailer stores the uncompressed size mod 2^32; good enough to size the buffer up front
// for MNIST (all files are far below 4 GiB). Capped at deflate's maximum ratio so a corrupt
// trailer cannot make us reserve absurd amounts.
size_t size_hint(const uint8_t* bytes, size_t size) {
  if (size < 18) return 0;
  const uint8_t* t = bytes + size - 4;
  size_t isize = size_t(t[0]) | size_t(t[1]) << 8 | size_t(t[2]) << 16 | size_t(t[3]) << 24;
  return std::min(isize, size * 1032);
}

}  // namespace

std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t size, const std::string& name) {
  std::vector<uint8_t> out;
  // One spare byte: with an exact hint, inflate still has room to report the end of the stream
  // without a final reallocation of the whole buffer.
  out.reserve(size_hint(bytes, size) + 1);
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header and check its CRC-32 and length trailer.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw IOError(name + ": cannot initialise zlib");
  struct End {
    z_stream* zs;
    ~End() { inflateEnd(zs); }
  } end{&zs};

  size_t consumed = 0;
  constexpr size_t kChunk = size_t{1} << 20;
  auto fail = [&](const std::string& what) {
    throw IOError(name + ": corrupt gzip data at compressed byte " + std::to_string(consumed) + ": " + what);
  };
  while (true) {
    // zlib counts in uInt; feed at most 1 GiB at a time.
    size_t in_now = std::min(size - consumed, size_t{1} << 30);
    zs.next_in = const_cast<Bytef*>(bytes + consumed);
    zs.avail_in = static_cast<uInt>(in_now);
    int rc = Z_OK;
    while (rc == Z_OK) {
      if (out.capacity() == out.size()) out.reserve(std::max(out.capacity() * 2, out.size() + kChunk));
      size_t before = out.size();
      size_t room = std::min(out.capacity() - before, size_t{std::numeric_limits<uInt>::max()});
      out.resize(before + room);
      zs.next_out = out.data() + before;
      zs.avail_out = static_cast<uInt>(room);
      rc = inflate(&zs, Z_NO_FLUSH);
      out.resize(before + (room - zs.avail_out));
      if (rc == Z_BUF_ERROR && zs.avail_in > 0) rc = Z_OK;  // only out of output room: go on
    }
    consumed += in_now - zs.avail_in;
    if (rc == Z_STREAM_END) {
      if (consumed == size) return out;
      // Concatenated members are valid gzip (gzip -c a b); anything else after the end is not.
      if (!is_gzip(bytes + consumed, size - consumed))
        fail(std::to_string(size - consumed) + " trailing bytes after the end of the gzip stream");
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR) {
      if (consumed < size) continue;  // the next 1 GiB slice of input
      throw IOError(name + ": truncated gzip stream: it ends at byte " + std::to_string(size) +
                    " before the end-of-stream marker");
    }
    fail(zs.msg ? zs.msg : "zlib error " + std::to_string(rc));
  }
}

}  // namespace fovea::data::detail
