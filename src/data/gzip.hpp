#pragma once
// In-memory gunzip, shared by the IDX reader (files on disk) and the downloader (bytes off the
// network). Internal to the data layer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fovea::data::detail {

bool is_gzip(const uint8_t* bytes, size_t size);
// Inflates every gzip member in `bytes`. Throws IOError naming `name` on a corrupt or truncated
// stream.
std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t size, const std::string& name);

}  // namespace fovea::data::detail
