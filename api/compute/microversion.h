// Compute API microversions (Nova's nova/api/openstack/api_version_request.py keeps
// the full history; these are the ones Stratus honours). Every version from kMin to
// kMax is accepted; a response changes only at the versions listed here, and each
// handler names the feature (versions.atLeast(kFlavorDescription)) rather than a
// bare minor. A placement version (Microversion<1>) cannot be compared with these.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "http/api_version.h"
#include "http/message.h"

namespace stratus::api::compute {

using ComputeVersion = http::Microversion<2>;

inline constexpr ComputeVersion kMinVersion{1};   // 2.1: the v2.1 API itself
inline constexpr ComputeVersion kMaxVersion{92};  // 2.92: what "latest" means here

inline constexpr ComputeVersion kServerLocked{9};         // servers show "locked"
inline constexpr ComputeVersion kServerDescription{19};   // servers show "description"
inline constexpr ComputeVersion kServerTags{26};          // servers show "tags"
inline constexpr ComputeVersion kNetworksRequired{37};    // create needs networks: none/auto
inline constexpr ComputeVersion kServerFlavorInline{47};  // server's flavor embedded, not a link
inline constexpr ComputeVersion kHypervisorUuids{53};     // hypervisor ids are UUIDs
inline constexpr ComputeVersion kFlavorDescription{55};   // flavors carry "description"
inline constexpr ComputeVersion kFlavorExtraSpecs{61};    // flavors show their extra_specs
inline constexpr ComputeVersion kTrustedCerts{63};        // "trusted_image_certificates"
inline constexpr ComputeVersion kLockedReason{73};        // servers show "locked_reason"
inline constexpr ComputeVersion kSwapInteger{75};         // flavor swap 0, not "", when none

// The version a request asked for: OpenStack-API-Version "compute X.Y" first, then
// the legacy X-OpenStack-Nova-API-Version; kMinVersion when neither is sent.
// InvalidArgument for a string that is not X.Y or "latest"; NotAcceptable for a
// version outside kMinVersion..kMaxVersion (2.x only). Messages as Nova words them.
Result<ComputeVersion> negotiateVersion(const http::HttpRequest& r);

// The request's negotiated compute version (set by the front door).
inline ComputeVersion versionOf(const http::HttpRequest& r) {
  return r.version.as<2>();
}

}  // namespace stratus::api::compute
