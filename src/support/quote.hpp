#pragma once
// Quoting bytes read from a file into an error message. fovea's errors are one line; a file may
// hold newlines, terminal escape sequences or megabytes where a name is expected. quote() keeps
// printable ASCII, writes every other byte as \xNN and cuts the text at `max_bytes`, saying how
// long it was. Below every layer.
#include <cstdio>
#include <string>
#include <string_view>

namespace fovea::support {

inline std::string escape_bytes(std::string_view text, size_t max_bytes = 120) {
  std::string out;
  const size_t shown = text.size() <= max_bytes ? text.size() : max_bytes;
  for (size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  if (shown < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

// 'text', escaped and cut as above.
inline std::string quote(std::string_view text, size_t max_bytes = 120) {
  return "'" + escape_bytes(text, max_bytes) + "'";
}

}  // namespace fovea::support
