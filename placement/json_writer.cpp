#include "placement/json_writer.h"

#include <array>
#include <nlohmann/json.hpp>

namespace stratus::placement {

namespace {

// Characters that names, UUIDs and numbers are made of: these need no escaping.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : {'-', '_', ':', '.'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

}  // namespace

void JsonWriter::string(std::string_view s) {
  for (char c : s) {
    if (!kPlain[static_cast<unsigned char>(c)]) {
      // Bytes that are not UTF-8 (a percent-decoded query) become U+FFFD.
      out_ += nlohmann::json(std::string(s))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
  }
  quoted(s);
}

}  // namespace stratus::placement
