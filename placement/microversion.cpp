#include "placement/microversion.h"

namespace stratus::placement {

http::VersionRules versionRules() {
  http::VersionRules rules;
  rules.service = "placement";
  rules.min = http::ApiVersion::of(kMinVersion);
  rules.max = http::ApiVersion::of(kMaxVersion);
  rules.bad_format_text = [](const std::string& given) {
    return "invalid version string: " + given;
  };
  rules.unsupported_text = [](const std::string& given) {
    return "Unacceptable version header: " + given;
  };
  return rules;
}

NegotiatedVersion negotiateVersion(std::string_view header) {
  std::map<std::string, std::string> headers;
  if (!header.empty()) headers["openstack-api-version"] = std::string(header);
  const auto asked = http::negotiateVersion(versionRules(), headers);
  NegotiatedVersion out;
  out.version = asked.version.as<1>();
  out.given = asked.given;
  switch (asked.outcome) {
    case http::VersionRequest::Outcome::kOk:
      out.failure = VersionFailure::kNone;
      break;
    case http::VersionRequest::Outcome::kBadFormat:
      out.failure = VersionFailure::kBadFormat;
      break;
    case http::VersionRequest::Outcome::kUnsupported:
      out.failure = VersionFailure::kUnsupported;
      break;
  }
  return out;
}

}  // namespace stratus::placement
