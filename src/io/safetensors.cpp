#include "fovea/io/safetensors.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fovea/error.hpp"
#include "support/atomic_file.hpp"

namespace fovea::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    uint64_t bytes = static_cast<uint64_t>(t.numel()) * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  // The spec lets the header be padded with spaces; 8-byte alignment keeps the data aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  // Atomically: an interrupted save leaves the previous file, never a torn one.
  support::AtomicFileWriter out(path);
  const uint64_t len = text.size();
  out.write(&len, 8);
  out.write(text.data(), text.size());
  for (const auto& [name, t] : tensors) out.write(t.data(), static_cast<size_t>(t.numel()) * sizeof(float));
  out.commit();
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError(path + ": no such file or not readable");
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  uint64_t header_len = 0;
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(&header_len), 8))
    throw IOError(path + ": truncated at byte 0: expected an 8-byte header length");
  if (header_len > file_size - 8)
    throw IOError(path + ": header length " + std::to_string(header_len) + " at byte 0 runs past the end of the " +
                  std::to_string(file_size) + "-byte file");
  std::string text(header_len, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_len));
  nlohmann::ordered_json header;  // ordered: tensors come back in the file's order
  try {
    header = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(path + ": malformed JSON header at byte 8: " + e.what());
  }
  const uint64_t data_start = 8 + header_len, data_size = file_size - data_start;
  SafetensorsFile result;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw IOError(path + ": __metadata__ is not a JSON object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw IOError(path + ": metadata '" + m.key() + "' is not a string, as safetensors requires");
        result.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const auto& entry = it.value();
    try {
      if (entry.at("dtype") != "F32")
        throw IOError(path + ": tensor '" + it.key() + "' has dtype " + entry.at("dtype").dump() + ", expected F32");
      Shape shape = entry.at("shape").get<Shape>();
      auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      uint64_t bytes = static_cast<uint64_t>(numel(shape)) * sizeof(float);
      if (offsets.size() != 2 || offsets[1] < offsets[0] || offsets[1] - offsets[0] != bytes || offsets[1] > data_size)
        throw IOError(path + ": tensor '" + it.key() + "' of shape " + to_string(shape) +
                      " has data offsets outside the file or of the wrong size (expected " + std::to_string(bytes) +
                      " bytes within " + std::to_string(data_size) + ")");
      Tensor t = Tensor::empty(shape);
      in.seekg(static_cast<std::streamoff>(data_start + offsets[0]));
      in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(bytes));
      if (!in) throw IOError(path + ": read of tensor '" + it.key() + "' failed");
      result.tensors.emplace_back(it.key(), t);
    } catch (const nlohmann::json::exception& e) {
      throw IOError(path + ": malformed entry for tensor '" + it.key() + "': " + e.what());
    }
  }
  return result;
}

std::map<std::string, Tensor> load_safetensors(const std::string& path) {
  NamedTensors tensors = read_safetensors(path).tensors;
  return std::map<std::string, Tensor>(tensors.begin(), tensors.end());
}

}  // namespace fovea::io
