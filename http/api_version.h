// An OpenStack API microversion "X.Y" as a comparable value. Each service owns its
// own range and negotiation; requests carry the negotiated one.
#pragma once

#include <compare>
#include <string>

namespace stratus::http {

struct ApiVersion {
  int major = 1;
  int minor = 0;
  auto operator<=>(const ApiVersion&) const = default;
  bool atLeast(int mi) const { return minor >= mi; }
  std::string str() const { return std::to_string(major) + "." + std::to_string(minor); }
};

}  // namespace stratus::http
