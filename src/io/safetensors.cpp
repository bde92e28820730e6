#include "fovea/io/safetensors.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>

#include "fovea/error.hpp"
#include "support/atomic_file.hpp"
#include "support/checked_math.hpp"
#include "support/quote.hpp"

namespace fovea::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

// safetensors' names for fovea's dtypes (BOOL is one byte per element, 0 or 1, as fovea holds it).
const char* safetensors_dtype(Dtype dtype) {
  switch (dtype) {
    case kFloat32: return "F32";
    case kInt64: return "I64";
    case kBool: return "BOOL";
  }
  return "F32";
}

std::optional<Dtype> dtype_named(const std::string& name) {
  if (name == "F32") return kFloat32;
  if (name == "I64") return kInt64;
  if (name == "BOOL") return kBool;
  return std::nullopt;
}

const void* first_element(const Tensor& t) {
  switch (t.dtype()) {
    case kFloat32: return t.data_ptr<float>();
    case kInt64: return t.data_ptr<int64_t>();
    case kBool: return t.data_ptr<bool>();
  }
  return nullptr;
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    uint64_t bytes = static_cast<uint64_t>(t.numel()) * static_cast<uint64_t>(element_size(t.dtype()));
    header[name] = {
        {"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception&) {  // JSON strings must be UTF-8
    throw ValueError(path + ": cannot write safetensors: a tensor name or metadata string is not valid UTF-8");
  }
  // The spec lets the header be padded with spaces; 8-byte alignment keeps the data aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  // Atomically: an interrupted save leaves the previous file, never a torn one.
  support::AtomicFileWriter out(path);
  const uint64_t len = text.size();
  out.write(&len, 8);
  out.write(text.data(), text.size());
  for (const auto& [name, t] : tensors) {
    const Tensor plain = t.is_contiguous() ? t : t.detach().contiguous();  // a view writes its own elements
    out.write(first_element(plain), static_cast<size_t>(plain.numel() * element_size(plain.dtype())));
  }
  out.commit();
}

namespace {

// The limits of read_safetensors (stated in safetensors.hpp).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the safetensors crate's MAX_HEADER_SIZE
constexpr int kMaxHeaderDepth = 8;                 // a valid header nests 3: {"name": {"shape": [...]}}
constexpr size_t kMaxRank = 64;

[[noreturn]] void refuse(const std::string& path, const std::string& what) { throw IOError(path + ": " + what); }

struct Entry {
  std::string name;
  Dtype dtype = kFloat32;
  Shape shape;
  uint64_t begin = 0, end = 0;  // within the data section
};

// Reads the JSON header as a stream of SAX events straight into Entry records: no JSON tree is
// built, so the memory a header costs is its text plus one small record per tensor (a tree costs
// tens of bytes per value: "[[],[],..." would be ~20x its length), nothing recurses, and a value
// is refused the moment it opens deeper than kMaxHeaderDepth, repeats a key or has the wrong type.
// Fields other than dtype, shape and data_offsets are skipped, as the safetensors crate does.
class HeaderReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  HeaderReader(const std::string& path, uint64_t data_size) : path_(path), data_size_(data_size) {}

  std::vector<Entry> entries;  // in the header's order
  std::map<std::string, std::string> metadata;

  bool null() override { return scalar("null"); }
  bool boolean(bool v) override { return scalar(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return scalar(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(std::to_string(v), v); }
  bool number_float(number_float_t, const string_t& text) override { return scalar(support::escape_bytes(text, 40)); }
  bool string(string_t& v) override { return scalar("\"" + support::escape_bytes(v, 40) + "\"", std::nullopt, &v); }
  bool binary(binary_t&) override { return scalar("binary"); }

  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool key(string_t& k) override {
    if (in_ == In::Root) {
      if (!names_.insert(k).second) fail("the JSON header lists " + support::quote(k) + " twice");
      key_ = k;
    } else if (in_ == In::Entry) {
      field_ = k == "dtype" ? Field::Dtype : k == "shape" ? Field::Shape : k == "data_offsets" ? Field::Offsets
                                                                                                 : Field::Other;
      if (field_ != Field::Other && (seen_ & bit(field_))) fail(tensor() + " lists \"" + k + "\" twice");
      seen_ |= bit(field_);
    } else if (in_ == In::Metadata) {
      if (metadata.count(k)) fail("__metadata__ lists " + support::quote(k) + " twice");
      key_ = k;
    }
    return true;
  }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    fail("malformed JSON header at byte " + std::to_string(8 + position - 1) + ": " + support::escape_bytes(e.what(), 300));
  }

 private:
  // Where the next value goes. Skip: inside a field fovea does not read.
  enum class In { Start, Root, Entry, Shape, Offsets, Metadata, Skip, Done };
  enum class Field { Dtype = 0, Shape = 1, Offsets = 2, Other = 3 };
  static unsigned bit(Field f) { return 1u << static_cast<unsigned>(f); }

  [[noreturn]] void fail(const std::string& what) const { refuse(path_, what); }
  std::string tensor() const { return "tensor " + support::quote(entry_.name); }
  // What the value at hand is for, to say in a message.
  std::string place() const {
    switch (in_) {
      case In::Start: return "the JSON header at byte 8 is ";
      case In::Root: return key_ == "__metadata__" ? "__metadata__ is " : "tensor " + support::quote(key_) + " is ";
      case In::Entry:
        return tensor() + (field_ == Field::Dtype ? " has dtype " : field_ == Field::Shape ? " has shape "
                                                                                            : " has data_offsets ");
      case In::Shape: return tensor() + " has a dimension ";
      case In::Offsets: return tensor() + " has a data offset ";
      case In::Metadata: return "metadata " + support::quote(key_) + " is ";
      default: return "";
    }
  }
  std::string expected() const {
    switch (in_) {
      case In::Start: return ", expected an object {name: {dtype, shape, data_offsets}, ...}";
      case In::Root:
        return key_ == "__metadata__" ? ", expected an object of strings"
                                      : ", expected an object {dtype, shape, data_offsets}";
      case In::Entry:
        return field_ == Field::Dtype ? ", expected a string: \"F32\", \"I64\" or \"BOOL\""
               : field_ == Field::Shape
                   ? ", expected an array of at most " + std::to_string(kMaxRank) + " whole numbers >= 0"
                   : ", expected [begin, end], two whole numbers >= 0";
      case In::Shape: return " in its shape, expected a whole number >= 0";
      case In::Offsets: return ", expected [begin, end], two whole numbers >= 0";
      case In::Metadata: return ", expected a string, as safetensors requires";
      default: return "";
    }
  }

  bool scalar(const std::string& text, std::optional<uint64_t> whole = std::nullopt, std::string* str = nullptr) {
    if (in_ == In::Skip || (in_ == In::Entry && field_ == Field::Other)) return true;
    if (in_ == In::Entry && field_ == Field::Dtype && str) {
      const std::optional<Dtype> dtype = dtype_named(*str);
      if (!dtype) fail(tensor() + " has dtype " + support::quote(*str, 40) + ", expected F32, I64 or BOOL");
      entry_.dtype = *dtype;
      return true;
    }
    if (in_ == In::Shape && whole && *whole <= uint64_t(INT64_MAX)) {
      if (entry_.shape.size() == kMaxRank) fail(tensor() + " has more than " + std::to_string(kMaxRank) + " dimensions");
      entry_.shape.push_back(static_cast<int64_t>(*whole));
      return true;
    }
    if (in_ == In::Offsets && whole) {
      if (offsets_ == 2) fail(tensor() + " has more than 2 data_offsets, expected [begin, end]");
      (offsets_++ == 0 ? entry_.begin : entry_.end) = *whole;
      return true;
    }
    if (in_ == In::Metadata && str) {
      metadata.emplace(key_, *str);
      return true;
    }
    fail(place() + text + expected());
  }

  bool open(bool array) {
    if (++depth_ > kMaxHeaderDepth)
      fail("the JSON header nests deeper than " + std::to_string(kMaxHeaderDepth) +
           " levels of arrays and objects, expected {name: {dtype, shape, data_offsets}, ...}");
    const std::string kind = array ? "an array" : "an object";
    if (in_ == In::Skip) return true;
    if (in_ == In::Entry && field_ == Field::Other) return enter(In::Skip);
    if (in_ == In::Start && !array) return enter(In::Root);
    if (in_ == In::Root && !array && key_ == "__metadata__") return enter(In::Metadata);
    if (in_ == In::Root && !array) {
      entry_ = Entry{key_, kFloat32, {}, 0, 0};
      seen_ = 0;
      offsets_ = 0;
      return enter(In::Entry);
    }
    if (in_ == In::Entry && array && field_ == Field::Shape) return enter(In::Shape);
    if (in_ == In::Entry && array && field_ == Field::Offsets) return enter(In::Offsets);
    fail(place() + kind + expected());
  }
  bool enter(In in) {
    stack_.push_back(in_);
    in_ = in;
    return true;
  }
  bool close() {
    --depth_;
    // Outside Skip each open container is one entry of stack_; Skip's own containers push nothing,
    // so Skip ends when the depth falls below the stack it started on.
    if (in_ == In::Skip && depth_ >= static_cast<int>(stack_.size())) return true;
    if (in_ == In::Offsets && offsets_ != 2)
      fail(tensor() + " has " + std::to_string(offsets_) + " data_offsets, expected [begin, end]");
    if (in_ == In::Entry) finish_entry();
    in_ = stack_.back();
    stack_.pop_back();
    if (in_ == In::Start) in_ = In::Done;
    return true;
  }

  void finish_entry() {
    for (Field f : {Field::Dtype, Field::Shape, Field::Offsets})
      if (!(seen_ & bit(f)))
        fail(tensor() + " has no \"" + (f == Field::Dtype ? "dtype" : f == Field::Shape ? "shape" : "data_offsets") +
             "\"");
    // At most the data section's worth of elements, which also keeps numel and its bytes from overflowing.
    const uint64_t size = static_cast<uint64_t>(element_size(entry_.dtype));
    const std::optional<uint64_t> count = support::checked_product(entry_.shape, data_size_ / size);
    if (!count)
      fail(tensor() + " of shape " + to_string(entry_.shape) + " holds more " + fovea::to_string(entry_.dtype) +
           " elements than the " + std::to_string(data_size_) + "-byte data section");
    const uint64_t bytes = *count * size;
    if (entry_.begin > entry_.end || entry_.end > data_size_ || entry_.end - entry_.begin != bytes)
      fail(tensor() + " of shape " + to_string(entry_.shape) + " has data_offsets [" + std::to_string(entry_.begin) +
           ", " + std::to_string(entry_.end) + "], expected " + std::to_string(bytes) + " bytes within the " +
           std::to_string(data_size_) + "-byte data section");
    entries.push_back(std::move(entry_));
  }

  const std::string& path_;
  const uint64_t data_size_;
  In in_ = In::Start;
  std::vector<In> stack_;
  int depth_ = 0;
  std::string key_;                        // the root or metadata key whose value comes next
  std::unordered_set<std::string> names_;  // the root's keys so far
  Entry entry_;                            // the tensor being read
  Field field_ = Field::Other;
  unsigned seen_ = 0;  // bits of the fields of entry_ seen
  int offsets_ = 0;
};

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
  auto fail = [&](const std::string& what) { refuse(path, what); };
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    fail("not a regular file, expected a safetensors file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("no such file or not readable");
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  if (end < 0) fail("cannot determine the file's size");
  const uint64_t file_size = static_cast<uint64_t>(end);
  in.seekg(0);
  uint64_t header_len = 0;
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(&header_len), 8))
    fail("truncated at byte 0: expected an 8-byte header length");
  if (header_len > kMaxHeaderBytes)
    fail("header length " + std::to_string(header_len) + " at byte 0 is over the limit of " +
         std::to_string(kMaxHeaderBytes) + " bytes");
  if (header_len > file_size - 8)
    fail("header length " + std::to_string(header_len) + " at byte 0 runs past the end of the " +
         std::to_string(file_size) + "-byte file");
  std::string text(header_len, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(header_len)))
    fail("read of the " + std::to_string(header_len) + "-byte header failed");

  const uint64_t data_start = 8 + header_len, data_size = file_size - data_start;
  HeaderReader reader(path, data_size);
  nlohmann::json::sax_parse(text, &reader);  // throws IOError; parse_error() makes errors ours
  SafetensorsFile result;
  result.metadata = std::move(reader.metadata);
  std::vector<Entry>& entries = reader.entries;

  // As the safetensors crate requires: the tensors tile the data section, in offset order, with no
  // overlap, no gap and nothing after the last. So the tensors take exactly data_size bytes.
  std::vector<const Entry*> by_offset;
  for (const Entry& e : entries) by_offset.push_back(&e);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) {
    return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
  });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : by_offset) {
    if (e->begin < covered)
      fail("tensors " + support::quote(previous->name) + " and " + support::quote(e->name) +
           " overlap: data bytes [" + std::to_string(e->begin) + ", " + std::to_string(covered) + ") are in both");
    if (e->begin > covered)
      fail("data bytes [" + std::to_string(covered) + ", " + std::to_string(e->begin) +
           ") belong to no tensor: expected the tensors to cover the data section without gaps");
    covered = e->end;
    previous = e;
  }
  if (covered != data_size)
    fail("data bytes [" + std::to_string(covered) + ", " + std::to_string(data_size) +
         ") after the last tensor belong to no tensor: expected the file to end there");

  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    in.seekg(static_cast<std::streamoff>(data_start + e.begin));
    in.read(static_cast<char*>(const_cast<void*>(first_element(t))), static_cast<std::streamsize>(e.end - e.begin));
    if (!in) fail("read of tensor " + support::quote(e.name) + " failed");
    if (e.dtype == kBool) {
      // fovea's bool elements are 0 or 1; any other byte would make them neither true nor false.
      const unsigned char* bytes = reinterpret_cast<const unsigned char*>(t.data_ptr<bool>());
      for (uint64_t i = 0; i < e.end - e.begin; ++i)
        if (bytes[i] > 1)
          fail("tensor " + support::quote(e.name) + " (BOOL) has byte " + std::to_string(bytes[i]) + " at byte " +
               std::to_string(data_start + e.begin + i) + ", expected 0 or 1");
    }
    result.tensors.emplace_back(e.name, t);
  }
  return result;
}

std::map<std::string, Tensor> load_safetensors(const std::string& path) {
  NamedTensors tensors = read_safetensors(path).tensors;
  return std::map<std::string, Tensor>(tensors.begin(), tensors.end());
}

}  // namespace fovea::io
