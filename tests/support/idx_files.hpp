#pragma once
// Writing IDX and gzip files for tests that need small, deliberately good or broken inputs.
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fovea::testing {

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// An unsigned-byte IDX image: header from `dims` (which need not match `data`, to make bad files).
inline std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

inline std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& raw, int level = Z_DEFAULT_COMPRESSION) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::vector<uint8_t> out(deflateBound(&zs, raw.size()));
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

// Images (count x rows x cols, pixel = (i + k) % 256) and labels (i % 10) in `dir`.
inline void write_mnist_split(const std::string& dir, const std::string& split, uint32_t images, uint32_t labels,
                              uint32_t rows = 28, uint32_t cols = 28) {
  std::vector<uint8_t> pixels(size_t{images} * rows * cols);
  for (size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<uint8_t>(k % 256);
  std::vector<uint8_t> targets(labels);
  for (uint32_t i = 0; i < labels; ++i) targets[i] = static_cast<uint8_t>(i % 10);
  write_bytes(dir + "/" + split + "-images-idx3-ubyte", idx_bytes({images, rows, cols}, pixels));
  write_bytes(dir + "/" + split + "-labels-idx1-ubyte", idx_bytes({labels}, targets));
}

}  // namespace fovea::testing
