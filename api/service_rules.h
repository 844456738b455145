// The decisions behind os-services and /limits, as pure functions over plain data:
// whether a compute service is up, what an operator's update asks for, the provider
// traits that carry "disabled" to the scheduler, whether a service may be deleted, and
// the absolute limits a project sees. The handlers (compute/services.cpp, limits.cpp)
// do the I/O around them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/model.h"
#include "common/result.h"

namespace stratus::api {

// The only service binary Stratus runs (one per compute host, its agent).
inline constexpr std::string_view kComputeBinary = "nova-compute";
// Nova's limit on disabled_reason (the services table column).
inline constexpr std::size_t kMaxDisabledReason = 255;

// Up while the host was last heard of (a report or a poll for work, unix seconds) no
// longer than `down_after` before `now`, unless an operator forced it down (Nova's
// servicegroup rule with [DEFAULT] service_down_time; forced_down wins, as in Nova).
bool serviceUp(const ServiceRecord& s, std::int64_t last_heard_unix, std::int64_t now_unix,
               std::chrono::seconds down_after);

// PUT /os-services/{id} (2.53+): what to change; an absent field changes nothing.
struct ServiceUpdate {
  std::optional<bool> disabled;
  std::optional<std::string> disabled_reason;  // only with disabled = true
  std::optional<bool> forced_down;
};
// The body {"status": "enabled"|"disabled", "disabled_reason": S, "forced_down": B}:
// InvalidArgument naming the key, the value and what is allowed for an unknown key, a
// status other than enabled/disabled, a reason that is not a string of 1 to 255
// characters or comes without status disabled, a forced_down that is not a boolean, or
// a body with neither status nor forced_down (Nova's service_update schema and rules).
Result<ServiceUpdate> parseServiceUpdate(const nlohmann::json& body);

// The older actions (before 2.53): PUT /os-services/{action} with host and binary.
enum class LegacyServiceAction { kEnable, kDisable, kDisableLogReason, kForceDown };
struct LegacyServiceRequest {
  LegacyServiceAction action;
  std::string host;
  std::string binary;
  ServiceUpdate update;
};
// `action` is enable, disable, disable-log-reason or force-down (NotFound otherwise,
// as an unknown path); the body needs host and binary strings, disabled_reason (1 to
// 255 characters) for disable-log-reason, a boolean forced_down for force-down.
Result<LegacyServiceRequest> parseLegacyServiceAction(const std::string& action,
                                                      const nlohmann::json& body);

// The provider's traits with COMPUTE_STATUS_DISABLED present (disabled) or absent,
// every other trait kept: what the API writes back to placement.
std::set<std::string> traitsForStatus(const std::set<std::string>& current, bool disabled);

// DELETE /os-services/{id}: Conflict while the service is up (its agent would bring
// the host back), while servers are placed on the host, or while its providers hold
// allocations (`consumers`: every consumer on the host's providers); else ok.
Status checkServiceDeletable(const ServiceRecord& s, bool up, std::size_t servers_on_host,
                             const std::vector<std::string>& consumers);

// [api] service_down_time: a whole number of seconds, 1 or more; InvalidArgument
// "[api] service_down_time='V' is invalid; allowed: ..." otherwise.
Result<std::chrono::seconds> parseServiceDownTime(const std::string& value);

// [api] compute_link_prefix (Nova's [api] compute_link_prefix) and [api]
// image_public_endpoint (Glance's public_endpoint): the base URL that links and
// Location headers name instead of the instance's own bind address, for instances
// behind a load balancer. http:// or https://, a host, an optional port and path, no
// query, fragment or space; a trailing '/' is dropped. InvalidArgument
// "KEY='V' is invalid; allowed: ..." otherwise.
Result<std::string> parseLinkPrefix(const std::string& key, const std::string& value);

// The next integer id (pre-2.53 clients): one past the highest in use.
int nextServiceNumber(const std::map<std::string, ServiceRecord>& services);

// GET /limits "absolute" for `project_id` at compute microversion 2.`minor`: every
// maximum is -1 (Stratus enforces no quota) and the used counts are the project's
// servers, their vCPUs and their RAM in MiB. Fields Nova dropped are left out from the
// version that dropped them: the network ones at 2.36, maxImageMeta at 2.39, the
// personality ones at 2.57.
nlohmann::json absoluteLimits(const std::map<std::string, ServerRecord>& servers,
                              const std::string& project_id, int minor);

}  // namespace stratus::api
