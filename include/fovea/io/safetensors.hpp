#pragma once
// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
// a JSON header mapping each name to {"dtype", "shape", "data_offsets"}, then the raw data. It is
// the format PyTorch users load with safetensors.torch.load_file, and it is simple enough to read
// without a library. fovea reads and writes F32, I64 and BOOL tensors (float32, int64 and bool).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::io {

using fovea::NamedTensors;

// Writes through a temporary file renamed into place: an interrupted save never leaves a torn file.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The tensors in the file's order and the header's "__metadata__" (string to string).
struct SafetensorsFile {
  NamedTensors tensors;
  std::map<std::string, std::string> metadata;
};
// Throws IOError (one line naming the file and what was expected; text from the file is quoted with
// control bytes escaped) on a missing, truncated or malformed file. The file is checked as the
// safetensors crate checks it, before any tensor is allocated:
//   - the header length is at most 100,000,000 bytes (the crate's limit) and within the file;
//   - the header is a JSON object, nested at most 8 deep (a valid one nests 3), with no key twice;
//     "__metadata__" maps strings to strings; each other key is a tensor whose "dtype" is the string
//     "F32", "I64" or "BOOL", whose "shape" is at most 64 whole numbers >= 0 and whose "data_offsets"
//     are two whole numbers [begin, end] with end - begin = (4, 8 or 1) x product(shape), computed
//     without overflow;
//   - the tensors tile the data section: no overlap, no gap, nothing after the last;
//   - every byte of a BOOL tensor is 0 or 1.
// Memory: the header's text plus a small record per tensor (it is read as a stream of JSON events,
// never as a tree), then the tensors, which hold exactly the file's data section.
SafetensorsFile read_safetensors(const std::string& path);
// The tensors by name, as safetensors.torch.load_file returns them.
std::map<std::string, Tensor> load_safetensors(const std::string& path);

}  // namespace fovea::io
