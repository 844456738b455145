// Placement microversions: one list, negotiated from the OpenStack-API-Version header.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::placement {

struct Microversion {
  int major = 1;
  int minor = 0;
  auto operator<=>(const Microversion&) const = default;
  bool atLeast(int mi) const { return minor >= mi; }
  std::string str() const { return std::to_string(major) + "." + std::to_string(minor); }
};

inline constexpr Microversion kMinVersion{1, 0};
// 1.39: `in:` any-of for `required` on providers and allocation candidates.
inline constexpr Microversion kMaxVersion{1, 39};

enum class VersionFailure { kNone, kBadFormat, kUnsupported };

struct NegotiatedVersion {
  Microversion version = kMinVersion;
  VersionFailure failure = VersionFailure::kNone;
  std::string given;  // the version text that failed
};

// `header` is the whole OpenStack-API-Version value ("placement 1.20", possibly a
// comma-separated list naming other services); absent means 1.0.
NegotiatedVersion negotiateVersion(std::string_view header);

}  // namespace stratus::placement
