#pragma once
// Parsing JSON that comes from a file (a checkpoint's metadata fields) into a tree, with bounds
// that the JSON itself cannot lift:
//   - nesting depth: nlohmann's parser is iterative, but much that walks a value afterwards
//     (dump() in an error message, get<T>()) recurses, and 100,000 nested '[' are a 200 KB text.
//     Parsing stops the moment a value opens deeper than `max_depth`: no deep value ever exists.
//   - values: a tree costs up to ~100 bytes per value, so "[{},{},..." costs ~30x its length;
//     counting values bounds the memory where the text's length does not.
//   - duplicate keys: JSON leaves them undefined and nlohmann silently keeps the last one; refused.
// Objects are std::maps (nlohmann::json): n keys cost O(n log n), where ordered_json's linear scan
// per inserted key costs O(n^2). (safetensors headers are not read as trees: see safetensors.cpp.)
// Internal to the io layer.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/quote.hpp"

namespace fovea::io::detail {

class JsonLimitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A SAX handler that counts and checks each event, then hands it to nlohmann's own tree builder.
// (Not nlohmann's parser callback: its tree builder rescans the parent container at the end of
// every value, so an array of n objects costs O(n^2): a metrics field of 1M rows never finishes.)
class BoundedTreeBuilder {
 public:
  BoundedTreeBuilder(nlohmann::json& result, int max_depth, size_t max_values)
      : tree_(result, /*allow_exceptions=*/true), max_depth_(max_depth), max_values_(max_values) {}

  bool null() { return count() && tree_.null(); }
  bool boolean(bool v) { return count() && tree_.boolean(v); }
  bool number_integer(nlohmann::json::number_integer_t v) { return count() && tree_.number_integer(v); }
  bool number_unsigned(nlohmann::json::number_unsigned_t v) { return count() && tree_.number_unsigned(v); }
  bool number_float(nlohmann::json::number_float_t v, const std::string& text) {
    return count() && tree_.number_float(v, text);
  }
  bool string(std::string& v) { return count() && tree_.string(v); }
  bool binary(nlohmann::json::binary_t& v) { return count() && tree_.binary(v); }
  bool start_object(std::size_t n) {
    open();
    keys_.emplace_back();
    return tree_.start_object(n);
  }
  bool key(std::string& k) {
    count();
    if (!keys_.back().insert(k).second) throw JsonLimitError("lists the key " + support::quote(k, 40) + " twice");
    return tree_.key(k);
  }
  bool end_object() {
    keys_.pop_back();
    --depth_;
    return tree_.end_object();
  }
  bool start_array(std::size_t n) {
    open();
    return tree_.start_array(n);
  }
  bool end_array() {
    --depth_;
    return tree_.end_array();
  }
  template <typename Exception>
  bool parse_error(std::size_t position, const std::string& token, const Exception& e) {
    return tree_.parse_error(position, token, e);  // throws e
  }

 private:
  bool count() {
    if (++values_ > max_values_) throw JsonLimitError("holds more than " + std::to_string(max_values_) + " values");
    return true;
  }
  void open() {
    count();
    if (++depth_ > max_depth_)
      throw JsonLimitError("nests deeper than " + std::to_string(max_depth_) + " levels of arrays and objects");
  }

  nlohmann::detail::json_sax_dom_parser<nlohmann::json> tree_;
  const int max_depth_;
  const size_t max_values_;
  int depth_ = 0;
  size_t values_ = 0;
  std::vector<std::unordered_set<std::string>> keys_;  // of each object still open
};

// Parses `text`. Throws nlohmann::json::exception when it is not JSON, and JsonLimitError when it
// nests deeper than `max_depth` (a scalar is depth 0, [1] is 1, [{"a":1}] is 2), holds more than
// `max_values` values (keys count too) or an object lists a key twice.
inline nlohmann::json parse_json_bounded(const std::string& text, int max_depth, size_t max_values) {
  nlohmann::json result;
  BoundedTreeBuilder builder(result, max_depth, max_values);
  nlohmann::json::sax_parse(text, &builder);
  return result;
}

}  // namespace fovea::io::detail
