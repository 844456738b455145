#include "placement/json_writer.h"

#include <nlohmann/json.hpp>

namespace stratus::placement {

void JsonWriter::string(std::string_view s) {
  // Names and UUIDs need no escaping; anything else goes through the JSON library.
  for (char c : s) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == ':' || c == '.';
    if (!plain) {
      out_ += nlohmann::json(std::string(s)).dump();
      return;
    }
  }
  out_ += '"';
  out_ += s;
  out_ += '"';
}

}  // namespace stratus::placement
