// read_safetensors against hostile headers: each file is a few bytes written here, and each must
// be refused with one IOError line naming the file and what was expected, never a crash, a JSON
// library exception or an allocation the file's size does not justify.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;

namespace {

// 8-byte length, `header`, then `data_bytes` bytes of data (float k at byte 4k is k).
std::vector<uint8_t> safetensors_bytes(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out;
  const uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  for (char c : header) out.push_back(static_cast<uint8_t>(c));
  for (size_t i = 0; i < data_bytes; i += 4) {
    const float v = static_cast<float>(i / 4);
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    for (size_t k = 0; k < 4 && i + k < data_bytes; ++k) out.push_back(p[k]);
  }
  return out;
}

class SafetensorsHostile : public ::testing::Test {
 protected:
  std::string write(const std::vector<uint8_t>& bytes) {
    fovea::testing::write_bytes(path_, bytes);
    return path_;
  }
  // Expects read_safetensors to throw one IOError line starting with the path and holding every needle.
  void expect_refused(const std::vector<uint8_t>& bytes, const std::vector<std::string>& needles) {
    write(bytes);
    try {
      io::read_safetensors(path_);
      ADD_FAILURE() << "expected an IOError";
    } catch (const IOError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(path_ + ": ", 0), 0u) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      for (const std::string& n : needles) EXPECT_NE(what.find(n), std::string::npos) << "'" << n << "' not in: " << what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected an IOError, got: " << e.what();
    }
  }
  void expect_refused(const std::string& header, size_t data_bytes, const std::vector<std::string>& needles) {
    expect_refused(safetensors_bytes(header, data_bytes), needles);
  }
  static std::string tensor(const std::string& name, const std::string& shape, const std::string& offsets,
                            const std::string& dtype = "\"F32\"") {
    return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
  }

  fovea::testing::TempDir dir_;
  std::string path_ = dir_ / "hostile.safetensors";
};

}  // namespace

// Defect 1: 2^62 + 1 elements x 4 bytes wraps to 4, which matched data_offsets [0, 4].
TEST_F(SafetensorsHostile, ShapeWhoseByteCountWrapsIsRefused) {
  expect_refused("{" + tensor("w", "[4611686018427387905]", "[0,4]") + "}", 64,
                 {"tensor 'w' of shape [4611686018427387905] holds more float32 elements than the 64-byte data section"});
}

// Defect 1: 2^32 x 2^31 overflowed numel's int64 (undefined) and loaded with a negative count.
TEST_F(SafetensorsHostile, ShapeWhoseElementCountOverflowsIsRefused) {
  expect_refused("{" + tensor("w", "[4294967296,2147483648]", "[0,0]") + "}", 0,
                 {"tensor 'w' of shape [4294967296, 2147483648] holds more float32 elements"});
  expect_refused("{" + tensor("w", "[9223372036854775807,9223372036854775807,0]", "[0,4]") + "}", 4,
                 {"tensor 'w'", "expected 0 bytes"});
  expect_refused("{" + tensor("w", "[18446744073709551615]", "[0,4]") + "}", 4, {"dimension 18446744073709551615"});
}

// Defect 2: a dtype nested 100,000 deep (200 KB) overflowed the stack while the error message
// serialised it; now parsing stops at the depth limit, wherever the nesting is.
TEST_F(SafetensorsHostile, DeepNestingIsRefusedWhileParsing) {
  const std::string open(100000, '['), close(100000, ']');
  const auto start = std::chrono::steady_clock::now();
  expect_refused("{\"w\":{\"dtype\":" + open + close + ",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                 {"tensor 'w' has dtype an array, expected a string"});
  expect_refused(open + close, 0, {"the JSON header at byte 8 is an array, expected an object"});
  expect_refused("{\"__metadata__\":{\"k\":" + open + close + "}}", 0, {"metadata 'k' is an array"});
  // Where fovea reads nothing (a field it does not know), the depth limit stops the parse.
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  expect_refused(objects + "1" + std::string(100000, '}'), 0, {"JSON header nests deeper than 8 levels"});
  expect_refused("{\"w\":{\"x\":" + open + close + ",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                 {"nests deeper than 8"});
  // Unterminated: the limit fires before the parser reaches the end.
  expect_refused("{\"w\":{\"x\":" + open, 0, {"nests deeper than 8"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(SafetensorsHostile, HeaderThatIsNotAnObjectIsAnIOError) {
  expect_refused("[1,2]", 0, {"the JSON header at byte 8 is an array, expected an object"});
  expect_refused("\"x\"  ", 0, {"is \"x\", expected an object"});
  expect_refused("3", 0, {"is 3, expected an object"});
  expect_refused("null", 0, {"expected an object"});
  expect_refused("{\"w\":[1]}", 0, {"tensor 'w' is an array, expected an object {dtype, shape, data_offsets}"});
  expect_refused("{\"w\":7}", 0, {"tensor 'w' is 7"});
  expect_refused("{\"w\"", 0, {"malformed JSON header at byte 12: ", "expected ':'"});
  expect_refused("", 0, {"malformed JSON header at byte 8: "});
}

TEST_F(SafetensorsHostile, ShapeMustBeWholeNumbers) {
  expect_refused("{" + tensor("w", "[1e20]", "[0,4]") + "}", 4, {"tensor 'w' has a dimension 1e20", "whole number"});
  expect_refused("{" + tensor("w", "[1.5]", "[0,4]") + "}", 4, {"dimension 1.5 in its shape"});
  expect_refused("{" + tensor("w", "[1.0]", "[0,4]") + "}", 4, {"dimension 1.0 in its shape"});
  expect_refused("{" + tensor("w", "[-1]", "[0,4]") + "}", 4, {"dimension -1 in its shape"});
  expect_refused("{" + tensor("w", "[\"1\"]", "[0,4]") + "}", 4, {"dimension \"1\" in its shape"});
  expect_refused("{" + tensor("w", "[[1]]", "[0,4]") + "}", 4, {"dimension an array"});
  expect_refused("{" + tensor("w", "4", "[0,4]") + "}", 4, {"has shape 4, expected an array of at most 64"});
  std::string rank65 = "[1";
  for (int i = 0; i < 64; ++i) rank65 += ",1";
  expect_refused("{" + tensor("w", rank65 + "]", "[0,4]") + "}", 4, {"has more than 64 dimensions"});
  expect_refused("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, {"tensor 'w' has no \"shape\""});
}

TEST_F(SafetensorsHostile, DtypeMustBeF32I64OrBool) {
  expect_refused("{" + tensor("w", "[1]", "[0,4]", "5") + "}", 4, {"tensor 'w' has dtype 5, expected a string"});
  expect_refused("{" + tensor("w", "[1]", "[0,4]", "null") + "}", 4, {"has dtype null"});
  expect_refused("{" + tensor("w", "[1]", "[0,4]", "{\"a\":1}") + "}", 4, {"has dtype an object"});
  expect_refused("{" + tensor("w", "[1]", "[0,2]", "\"F16\"") + "}", 2, {"has dtype 'F16', expected F32, I64 or BOOL"});
  expect_refused("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, {"tensor 'w' has no \"dtype\""});
}

// I64 and BOOL: the byte count follows the dtype, and a BOOL byte is 0 or 1.
TEST_F(SafetensorsHostile, Int64AndBoolSizesAndValuesAreChecked) {
  expect_refused("{" + tensor("i", "[1]", "[0,4]", "\"I64\"") + "}", 8, {"[0, 4], expected 8 bytes"});
  expect_refused("{" + tensor("i", "[2305843009213693953]", "[0,8]", "\"I64\"") + "}", 64,
                 {"tensor 'i' of shape [2305843009213693953] holds more int64 elements than the 64-byte"});
  expect_refused("{" + tensor("m", "[2]", "[0,1]", "\"BOOL\"") + "}", 2, {"[0, 1], expected 2 bytes"});
  // The data's first 4 bytes are float 0 (all zero), then float 1 = 00 00 80 3f: byte 6 is 0x80.
  expect_refused("{" + tensor("m", "[8]", "[0,8]", "\"BOOL\"") + "}", 8,
                 {"tensor 'm' (BOOL) has byte 128 at byte ", "expected 0 or 1"});
}

TEST_F(SafetensorsHostile, DataOffsetsMustBeTwoAscendingWholeNumbersInTheFile) {
  expect_refused("{" + tensor("w", "[1]", "[0]") + "}", 4, {"has 1 data_offsets, expected [begin, end]"});
  expect_refused("{" + tensor("w", "[1]", "[0,4,8]") + "}", 8, {"has more than 2 data_offsets"});
  expect_refused("{" + tensor("w", "[1]", "[4,0]") + "}", 4, {"data_offsets [4, 0], expected 4 bytes within"});
  expect_refused("{" + tensor("w", "[1]", "[-4,0]") + "}", 4, {"has a data offset -4, expected [begin, end], two whole numbers"});
  expect_refused("{" + tensor("w", "[1]", "[0,4.0]") + "}", 4, {"data offset 4.0"});
  expect_refused("{" + tensor("w", "[1]", "\"0,4\"") + "}", 4, {"has data_offsets \"0,4\""});
  expect_refused("{" + tensor("w", "[1]", "[0,8]") + "}", 4, {"[0, 8], expected 4 bytes within the 4-byte"});
  expect_refused("{" + tensor("w", "[1]", "[4,8]") + "}", 4, {"[4, 8], expected 4 bytes within the 4-byte"});
  expect_refused("{" + tensor("w", "[1]", "[18446744073709551612,0]") + "}", 4, {"[18446744073709551612, 0]"});
  expect_refused("{" + tensor("w", "[1]", "[0,2]") + "}", 4, {"[0, 2], expected 4 bytes"});
}

// As the safetensors crate: the tensors must tile the data section exactly.
TEST_F(SafetensorsHostile, OverlapsGapsAndTrailingDataAreRefused) {
  expect_refused("{" + tensor("a", "[2]", "[0,8]") + "," + tensor("b", "[2]", "[4,12]") + "}", 12,
                 {"tensors 'a' and 'b' overlap: data bytes [4, 8) are in both"});
  expect_refused("{" + tensor("a", "[1]", "[0,4]") + "," + tensor("b", "[1]", "[0,4]") + "}", 4, {"overlap"});
  expect_refused("{" + tensor("a", "[1]", "[0,4]") + "," + tensor("b", "[1]", "[8,12]") + "}", 12,
                 {"data bytes [4, 8) belong to no tensor"});
  expect_refused("{" + tensor("a", "[1]", "[4,8]") + "}", 8, {"data bytes [0, 4) belong to no tensor"});
  expect_refused("{" + tensor("a", "[1]", "[0,4]") + "}", 8,
                 {"data bytes [4, 8) after the last tensor belong to no tensor"});
  expect_refused("{}", 4, {"data bytes [0, 4) after the last tensor"});
}

TEST_F(SafetensorsHostile, DuplicateKeysAreRefused) {
  expect_refused("{" + tensor("w", "[1]", "[0,4]") + "," + tensor("w", "[1]", "[4,8]") + "}", 8,
                 {"the JSON header lists 'w' twice"});
  expect_refused("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                 {"tensor 'w' lists \"dtype\" twice"});
  expect_refused("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, {"__metadata__ lists 'k' twice"});
  expect_refused("{\"__metadata__\":{},\"__metadata__\":{}}", 0, {"lists '__metadata__' twice"});
}

TEST_F(SafetensorsHostile, MetadataMustMapStringsToStrings) {
  expect_refused("{\"__metadata__\":{\"k\":1}}", 0, {"metadata 'k' is 1, expected a string"});
  expect_refused("{\"__metadata__\":{\"k\":[\"v\"]}}", 0, {"metadata 'k' is an array"});
  expect_refused("{\"__metadata__\":[\"k\"]}", 0, {"__metadata__ is an array, expected an object of strings"});
  expect_refused("{\"__metadata__\":\"k\"}", 0, {"__metadata__ is \"k\""});
}

TEST_F(SafetensorsHostile, HeaderLengthMustFitTheFileAndTheLimit) {
  std::vector<uint8_t> bytes = safetensors_bytes("{}", 0);
  bytes[7] = 0x80;  // 2^63 + 2
  expect_refused(bytes, {"header length 9223372036854775810 at byte 0 is over the limit of 100000000 bytes"});
  bytes = safetensors_bytes("{}", 0);
  bytes[0] = 3;
  expect_refused(bytes, {"header length 3 at byte 0 runs past the end of the 10-byte file"});
  // 100 MB + 1 is refused before anything is read or allocated, even for a file that long.
  bytes = safetensors_bytes("{}", 0);
  const uint64_t over = 100000001;
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(over >> (8 * i));
  expect_refused(bytes, {"header length 100000001 at byte 0 is over the limit"});
  expect_refused(std::vector<uint8_t>{1, 0, 0}, {"truncated at byte 0: expected an 8-byte header length"});
}

// Names and strings from the file are quoted with control bytes escaped: one line per error.
TEST_F(SafetensorsHostile, FileTextInMessagesIsEscaped) {
  expect_refused("{" + tensor("a\\nb\\u001b[31m", "[1]", "[0,4]", "\"F\\n16\"") + "}", 4,
                 {"tensor 'a\\x0ab\\x1b[31m' has dtype 'F\\x0a16'"});
  expect_refused("{" + tensor(std::string(5000, 'n'), "[1]", "[0,8]") + "}", 4, {"... (5000 bytes)"});
  expect_refused("{\"__metadata__\":{\"\\r\":5}}", 0, {"metadata '\\x0d' is 5"});
  // A byte that is not UTF-8 inside a JSON string: nlohmann's message quotes it, escaped here.
  expect_refused(std::string("{\"\xff\":1}"), 0, {"malformed JSON header", "ill-formed UTF-8", "\\xff"});
}

TEST_F(SafetensorsHostile, ValidEdgeCasesStillLoad) {
  // Header order, not offset order; a scalar; an empty tensor between two others; metadata.
  write(safetensors_bytes("{\"__metadata__\":{\"k\":\"v\"}," + tensor("b", "[2]", "[4,12]") + "," +
                              tensor("e", "[0,3]", "[4,4]") + "," + tensor("a", "[]", "[0,4]") + "}   ",
                          12));
  io::SafetensorsFile file = io::read_safetensors(path_);
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.tensors[0].first, "b");
  EXPECT_EQ(file.tensors[0].second.to_vector(), (std::vector<float>{1, 2}));
  EXPECT_EQ(file.tensors[1].first, "e");
  EXPECT_EQ(file.tensors[1].second.shape(), (Shape{0, 3}));
  EXPECT_EQ(file.tensors[2].first, "a");
  EXPECT_EQ(file.tensors[2].second.item(), 0);
  EXPECT_EQ(file.metadata, (std::map<std::string, std::string>{{"k", "v"}}));
  // Fields fovea does not read are skipped, as the safetensors crate does.
  write(safetensors_bytes("{\"w\":{\"note\":{\"x\":[1,[2]]},\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
                          "\"more\":null}}",
                          4));
  EXPECT_EQ(io::read_safetensors(path_).tensors.at(0).second.shape(), (Shape{1}));
  write(safetensors_bytes("{}", 0));
  EXPECT_TRUE(io::read_safetensors(path_).tensors.empty());
  // Round trip through the writer, many tensors (a map-based parse: no quadratic key insertion).
  NamedTensors many;
  for (int i = 0; i < 2000; ++i) many.emplace_back("t" + std::to_string(i), full({2}, float(i)));
  io::save_safetensors(path_, many, {{"x", "y"}});
  io::SafetensorsFile back = io::read_safetensors(path_);
  ASSERT_EQ(back.tensors.size(), many.size());
  for (size_t i = 0; i < many.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, many[i].first);
    EXPECT_EQ(back.tensors[i].second.to_vector(), many[i].second.to_vector());
  }
}

// The writer's side of the same rule: names and metadata are JSON strings, so UTF-8.
TEST_F(SafetensorsHostile, WriterRefusesNamesThatAreNotUtf8) {
  EXPECT_THROW(io::save_safetensors(path_, {{"w\xff", full({1}, 1)}}), ValueError);
  EXPECT_THROW(io::save_safetensors(path_, {}, {{"k", "\xff"}}), ValueError);
}
