#include "api/compute/microversion.h"

namespace stratus::api::compute {
namespace {

// "compute 2.92" from OpenStack-API-Version, else the legacy header; nullopt if absent.
std::optional<std::string> requestedVersion(const http::HttpRequest& r) {
  if (auto h = r.header("openstack-api-version")) {
    const std::string& s = *h;
    std::size_t pos = 0;
    while (pos <= s.size()) {
      std::size_t comma = s.find(',', pos);
      std::string part =
          s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      while (!part.empty() && part.front() == ' ') part.erase(part.begin());
      if (part.rfind("compute ", 0) == 0) return part.substr(8);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  if (auto h = r.header("x-openstack-nova-api-version")) return *h;
  return std::nullopt;
}

struct Parsed {
  int major = 0;
  int minor = 0;
};

std::optional<Parsed> parseVersion(const std::string& text) {
  if (text == "latest") return Parsed{ComputeVersion::kMajor, kMaxVersion.minor};
  const auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) return std::nullopt;
  Parsed v;
  try {
    std::size_t used = 0;
    v.major = std::stoi(text.substr(0, dot), &used);
    if (used != dot) return std::nullopt;
    v.minor = std::stoi(text.substr(dot + 1), &used);
    if (used != text.size() - dot - 1) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

Result<ComputeVersion> negotiateVersion(const http::HttpRequest& r) {
  auto asked = requestedVersion(r);
  if (!asked) return kMinVersion;
  auto v = parseVersion(*asked);
  if (!v) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Invalid API version request string: '" + *asked + "'; allowed: " +
                           kMinVersion.str() + " to " + kMaxVersion.str() + " or latest");
  }
  const ComputeVersion asked_version{v->minor};
  if (v->major != ComputeVersion::kMajor || asked_version < kMinVersion ||
      asked_version > kMaxVersion) {
    return Error::make(ErrorCode::kNotAcceptable,
                       "Version " + *asked + " is not supported by the API. Minimum is " +
                           kMinVersion.str() + " and maximum is " + kMaxVersion.str() + ".");
  }
  return asked_version;
}

}  // namespace stratus::api::compute
