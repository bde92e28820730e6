#pragma once
// In-memory gunzip, shared by the IDX reader (files on disk) and the downloader (bytes off the
// network). Internal to the data layer.
//
// Limits: gzip's output size is not known before inflating (its ISIZE trailer is a claim, mod 2^32,
// that anyone can write), and deflate can expand 1032:1, so a 4 MB "gzip bomb" becomes 4 GB.
// gunzip therefore takes a mandatory output limit and stops with an IOError as soon as the output
// passes it; the buffer grows with the output that actually arrives (the trailer is trusted only to
// pre-size it up to kTrailerHintCap), so memory stays below the limit plus one growth step.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fovea::data::detail {

// The most output the trailer may pre-reserve before any byte is inflated.
inline constexpr size_t kTrailerHintCap = size_t{64} << 20;

// The limit fovea uses for a gzip file of `compressed_size` bytes whose inflated size it does not
// know: min(1 GiB, max(64 MiB, 64 x compressed_size)). 64 MiB covers every MNIST-family file
// outright (the largest, train-images, inflates to 47 MB from 9.9 MB: 4.75:1); above it a file may
// expand 64:1, far beyond the 2-5:1 of image data, and never past 1 GiB.
size_t gunzip_limit(size_t compressed_size);

bool is_gzip(const uint8_t* bytes, size_t size);
// Inflates every gzip member in `bytes` (concatenated members are one stream, as gzip -c a b).
// Throws IOError naming `name` on a corrupt or truncated stream, and naming the limit as soon as the
// output would exceed `max_output_bytes`.
std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t size, const std::string& name, size_t max_output_bytes);

}  // namespace fovea::data::detail
