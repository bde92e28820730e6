#include "data/gzip.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "fovea/error.hpp"
#include "support/checked_math.hpp"

namespace fovea::data::detail {

bool is_gzip(const uint8_t* bytes, size_t size) { return size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

size_t gunzip_limit(size_t compressed_size) {
  constexpr size_t kCap = size_t{1} << 30, kFloor = size_t{64} << 20, kRatio = 64;
  size_t by_ratio = 0;
  if (!support::checked_mul(compressed_size, kRatio, by_ratio)) by_ratio = kCap;
  return std::min(kCap, std::max(kFloor, by_ratio));
}

namespace {

// The gzip trailer stores the uncompressed size mod 2^32; it only pre-sizes the buffer (saving the
// copies of growing it for MNIST), bounded so that a false trailer costs at most kTrailerHintCap of
// address space and nothing more: the buffer is filled (and its pages touched) only as output
// arrives. Deflate cannot expand more than 1032:1, so a small file gets a small hint.
size_t size_hint(const uint8_t* bytes, size_t size, size_t limit) {
  if (size < 18) return 0;
  const uint8_t* t = bytes + size - 4;
  size_t isize = size_t(t[0]) | size_t(t[1]) << 8 | size_t(t[2]) << 16 | size_t(t[3]) << 24;
  size_t deflate_max = 0;
  if (!support::checked_mul(size, size_t{1032}, deflate_max)) deflate_max = std::numeric_limits<size_t>::max();
  return std::min({isize, deflate_max, kTrailerHintCap, limit});
}

// The fast path: one gzip member whose trailer gives its size exactly (every MNIST-family file)
// inflates in a single libdeflate call, about three times zlib's speed, with the same CRC-32 and
// length checks. Anything else (several members, a trailer that lies, corrupt or truncated data)
// returns nothing and takes zlib's streaming path, which reports where the stream breaks and
// enforces the limit as the output arrives.
std::optional<std::vector<uint8_t>> gunzip_in_one_call(const uint8_t* bytes, size_t size, size_t max_output_bytes) {
  // The buffer is made (and its pages touched) before a byte is inflated, so the trailer is
  // trusted only up to 16 times the file (image data compresses 2-5:1): a false trailer costs
  // at most that before zlib's path takes over, which touches pages only as output arrives.
  const size_t hint = size_hint(bytes, size, max_output_bytes);
  if (hint == 0 || hint / 16 > size) return std::nullopt;
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  if (!d) return std::nullopt;
  struct Free {
    libdeflate_decompressor* d;
    ~Free() { libdeflate_free_decompressor(d); }
  } free_it{d};
  std::vector<uint8_t> out(hint);
  size_t in_used = 0, out_used = 0;
  const libdeflate_result r =
      libdeflate_gzip_decompress_ex(d, bytes, size, out.data(), out.size(), &in_used, &out_used);
  if (r != LIBDEFLATE_SUCCESS || in_used != size || out_used != hint) return std::nullopt;
  return out;
}

}  // namespace

std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t size, const std::string& name, size_t max_output_bytes) {
  if (auto whole = gunzip_in_one_call(bytes, size, max_output_bytes)) return std::move(*whole);
  // Room for one byte past the limit: inflating it is how we learn the limit is passed.
  size_t capacity_cap = 0;
  if (!support::checked_add(max_output_bytes, size_t{1}, capacity_cap)) capacity_cap = max_output_bytes;
  std::vector<uint8_t> out;
  // One spare byte: with an exact hint, inflate still has room to report the end of the stream
  // without a final reallocation of the whole buffer.
  out.reserve(std::min(size_hint(bytes, size, max_output_bytes) + 1, capacity_cap));
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header and check its CRC-32 and length trailer.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw IOError(name + ": cannot initialise zlib");
  struct End {
    z_stream* zs;
    ~End() { inflateEnd(zs); }
  } end{&zs};

  size_t consumed = 0;
  // Output space is handed to inflate (and zero-filled by resize) at most a chunk at a time.
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
      if (out.capacity() == out.size())
        out.reserve(std::min(capacity_cap, std::max(out.capacity() * 2, out.size() + kChunk)));
      // size <= max_output_bytes < capacity_cap, so there is always room for at least one byte.
      size_t before = out.size();
      size_t room = std::min({out.capacity() - before, kChunk, size_t{std::numeric_limits<uInt>::max()}});
      out.resize(before + room);
      zs.next_out = out.data() + before;
      zs.avail_out = static_cast<uInt>(room);
      rc = inflate(&zs, Z_NO_FLUSH);
      out.resize(before + (room - zs.avail_out));
      if (out.size() > max_output_bytes)
        throw IOError(name + ": gzip data inflates to more than " + std::to_string(max_output_bytes) +
                      " bytes (after " + std::to_string(consumed + (in_now - zs.avail_in)) + " of " +
                      std::to_string(size) + " compressed bytes), the most fovea accepts for this file");
      if (rc == Z_BUF_ERROR && zs.avail_in > 0 && zs.avail_out == 0) rc = Z_OK;  // only out of room: go on
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
