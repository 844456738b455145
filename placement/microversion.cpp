#include "placement/microversion.h"

#include <charconv>
#include <vector>

namespace stratus::placement {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parseNumber(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

NegotiatedVersion negotiateVersion(std::string_view header) {
  NegotiatedVersion out;
  // The header may carry several services: "compute 2.1, placement 1.20".
  std::string_view value;
  bool found = false;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto space = item.find(' ');
    if (space == std::string_view::npos) continue;
    std::string service(item.substr(0, space));
    for (auto& c : service) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (service == "placement") {
      value = trim(item.substr(space + 1));
      found = true;
    }
  }
  if (!found) return out;
  if (value == "latest") {
    out.version = kMaxVersion;
    return out;
  }
  auto dot = value.find('.');
  Microversion v;
  if (dot == std::string_view::npos || !parseNumber(value.substr(0, dot), v.major) ||
      !parseNumber(value.substr(dot + 1), v.minor)) {
    out.failure = VersionFailure::kBadFormat;
    out.given = std::string(value);
    return out;
  }
  if (v < kMinVersion || v > kMaxVersion) {
    out.failure = VersionFailure::kUnsupported;
    out.given = std::string(value);
    return out;
  }
  out.version = v;
  return out;
}

}  // namespace stratus::placement
