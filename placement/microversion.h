// Placement microversions: one list, negotiated from the OpenStack-API-Version header.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/api_version.h"

namespace stratus::placement {

using Microversion = http::ApiVersion;

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
