#include "fovea/data/idx.hpp"

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <isa-l/igzip_lib.h>

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

namespace {

// Checks the header as bytes arrive and passes the data on; false as soon as anything is off
// (read_idx's checks, made on the whole file, then say what).
class IdxStreamParser {
 public:
  explicit IdxStreamParser(IdxSink& sink) : sink_(sink) {}

  bool feed(const uint8_t* bytes, size_t size) {
    while (size > 0 && !in_data_) {
      header_.push_back(*bytes++);
      --size;
      if (header_.size() == 4) {
        if (header_[0] != 0 || header_[1] != 0 || header_[2] != 0x08 || header_[3] < 1 || header_[3] > 4) return false;
        header_size_ = 4 + 4 * size_t{header_[3]};
      }
      if (header_.size() == header_size_) {
        std::vector<int64_t> dims;
        for (size_t d = 4; d < header_size_; d += 4)
          dims.push_back(int64_t(header_[d]) << 24 | int64_t(header_[d + 1]) << 16 | int64_t(header_[d + 2]) << 8 |
                         int64_t(header_[d + 3]));
        const std::optional<uint64_t> product = support::checked_product(dims, uint64_t{1} << 48);
        if (!product) return false;
        expected_ = *product;
        in_data_ = true;
        sink_.header(dims);
      }
    }
    if (size == 0) return true;
    if (size > expected_ - received_) return false;  // trailing bytes
    received_ += size;
    sink_.data(bytes, size);
    return true;
  }

  bool complete() const { return in_data_ && received_ == expected_; }

 private:
  IdxSink& sink_;
  std::vector<uint8_t> header_;
  size_t header_size_ = 0;
  bool in_data_ = false;
  uint64_t expected_ = 0, received_ = 0;
};

constexpr size_t kReadChunk = size_t{1} << 20;

bool stream_raw(std::ifstream& in, IdxStreamParser& parser) {
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[kReadChunk]);
  while (in) {
    in.read(reinterpret_cast<char*>(buffer.get()), kReadChunk);
    const auto got = static_cast<size_t>(in.gcount());
    if (got > 0 && !parser.feed(buffer.get(), got)) return false;
  }
  return in.eof() && parser.complete();
}

// Inflated output handed from the inflating thread to the parsing one: a few fixed buffers go
// round, so the file is never held whole and memory stays a few MiB whatever its size.
class ChunkRing {
 public:
  static constexpr int kBuffers = 3;
  ChunkRing() {
    for (auto& b : buffers_) b.reset(new uint8_t[kReadChunk]);
  }
  // Producer: the next free buffer, or nullptr once the consumer has stopped.
  uint8_t* acquire() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || filled_ - consumed_ < kBuffers; });
    return stopped_ ? nullptr : buffers_[filled_ % kBuffers].get();
  }
  void publish(size_t size) {
    std::lock_guard lock(mutex_);
    sizes_[filled_ % kBuffers] = size;
    ++filled_;
    changed_.notify_all();
  }
  void finish(bool ok) {
    std::lock_guard lock(mutex_);
    finished_ = true;
    ok_ = ok;
    changed_.notify_all();
  }
  // Consumer: the next chunk, or nothing once the producer has finished and all is taken.
  std::optional<std::pair<const uint8_t*, size_t>> next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return finished_ || filled_ > consumed_; });
    if (filled_ == consumed_) return std::nullopt;
    return std::pair<const uint8_t*, size_t>{buffers_[consumed_ % kBuffers].get(), sizes_[consumed_ % kBuffers]};
  }
  void release() {
    std::lock_guard lock(mutex_);
    ++consumed_;
    changed_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }
  bool producer_ok() {
    std::lock_guard lock(mutex_);
    return ok_;
  }

 private:
  std::unique_ptr<uint8_t[]> buffers_[kBuffers];
  size_t sizes_[kBuffers] = {};
  uint64_t filled_ = 0, consumed_ = 0;
  bool finished_ = false, ok_ = false, stopped_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
};

// One gzip member, inflated with ISA-L a piece at a time; its CRC-32 is checked by ISA-L, its
// length against the trailer here. Anything else (more members, trailing bytes) is left to zlib's
// path in read_idx. `emit` takes each piece of output and returns false to stop.
template <class Emit>
bool inflate_gzip(std::ifstream& in, size_t file_size, Emit&& emit, uint8_t* first_output) {
  uint8_t trailer[4];
  in.seekg(static_cast<std::streamoff>(file_size - 4));
  if (!in.read(reinterpret_cast<char*>(trailer), 4)) return false;
  in.seekg(0);
  const uint32_t isize = uint32_t(trailer[0]) | uint32_t(trailer[1]) << 8 | uint32_t(trailer[2]) << 16 |
                         uint32_t(trailer[3]) << 24;
  const size_t limit = detail::gunzip_limit(file_size);
  auto state = std::make_unique<inflate_state>();
  isal_inflate_init(state.get());
  state->crc_flag = ISAL_GZIP;
  std::unique_ptr<uint8_t[]> input(new uint8_t[kReadChunk]);
  uint8_t* output = first_output;
  size_t read_so_far = 0, produced = 0;
  while (state->block_state != ISAL_BLOCK_FINISH) {
    if (state->avail_in == 0) {
      if (read_so_far == file_size) return false;  // truncated
      const size_t want = std::min(kReadChunk, file_size - read_so_far);
      if (!in.read(reinterpret_cast<char*>(input.get()), static_cast<std::streamsize>(want))) return false;
      read_so_far += want;
      state->next_in = input.get();
      state->avail_in = static_cast<uint32_t>(want);
    }
    state->next_out = output;
    state->avail_out = static_cast<uint32_t>(kReadChunk);
    if (isal_inflate(state.get()) != ISAL_DECOMP_OK) return false;
    const size_t n = kReadChunk - state->avail_out;
    produced += n;
    if (produced > limit) return false;
    // Room for output and input left, yet not finished: ISA-L is stuck; leave the file to zlib.
    const bool stuck = state->avail_out > 0 && state->avail_in > 0 && state->block_state != ISAL_BLOCK_FINISH;
    if (n > 0 && !(output = emit(output, n))) return false;
    if (stuck) return false;
  }
  return state->avail_in == 0 && read_so_far == file_size && uint32_t(produced) == isize;
}

// Files this large inflate on a thread of their own while the caller's thread hands the output
// to the sink: for MNIST's training images (9.9 MB, 47 MB inflated) inflating and the sink's
// work (ImagePacker: 34 and 18 ms here) overlap, which is most of what start-up waits on.
constexpr size_t kPipelineFrom = size_t{1} << 20;

bool stream_gzip(std::ifstream& in, size_t file_size, IdxStreamParser& parser) {
  if (file_size < 18) return false;
  if (file_size < kPipelineFrom) {
    std::unique_ptr<uint8_t[]> output(new uint8_t[kReadChunk]);
    auto feed = [&](uint8_t* out, size_t n) { return parser.feed(out, n) ? out : nullptr; };
    return inflate_gzip(in, file_size, feed, output.get()) && parser.complete();
  }
  ChunkRing ring;
  uint8_t* first = ring.acquire();
  auto publish = [&](uint8_t*, size_t n) {
    ring.publish(n);
    return ring.acquire();
  };
  std::thread inflater([&] {
    bool ok = false;
    try {
      ok = inflate_gzip(in, file_size, publish, first);
    } catch (...) {  // bad_alloc: the caller's thread sees a failed stream and read_idx says why
    }
    ring.finish(ok);
  });
  // The inflater stops at its next buffer once the parser refuses or the sink throws.
  struct Join {
    ChunkRing& ring;
    std::thread& t;
    ~Join() {
      ring.stop();
      if (t.joinable()) t.join();
    }
  } join{ring, inflater};
  while (auto chunk = ring.next()) {
    if (!parser.feed(chunk->first, chunk->second)) return false;
    ring.release();
  }
  inflater.join();  // finished: it has published its last piece
  return ring.producer_ok() && parser.complete();
}

}  // namespace

bool stream_idx(const std::string& path, IdxSink& sink) {
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  if (ec) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  uint8_t magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  const bool gzip = in.gcount() == 2 && detail::is_gzip(magic, 2);
  in.clear();
  in.seekg(0);
  IdxStreamParser parser(sink);
  return gzip ? stream_gzip(in, static_cast<size_t>(file_size), parser) : stream_raw(in, parser);
}

}  // namespace fovea::data
