// Compute services (Nova's services.py): one nova-compute per compute host, its agent.
// List (filters host, binary), update (2.53+: PUT /os-services/{uuid}; before: the
// enable, disable, disable-log-reason and force-down actions) and delete. Disabling
// puts COMPUTE_STATUS_DISABLED on the host's provider, so the scheduler's
// disabled_host prefilter keeps new servers off it; enabling takes it away. The agent
// never owns that trait (compute/provider_plan isAgentOwnedTrait), so it stays.
#include <algorithm>
#include <ctime>

#include "api/availability_zones.h"
#include "api/compute/handlers.h"
#include "api/compute/microversion.h"
#include "api/service_rules.h"
#include "common/uuid.h"

namespace stratus::api::compute {
namespace {

using nlohmann::json;

inline constexpr ComputeVersion kServiceForcedDown{11};  // services show "forced_down"
inline constexpr ComputeVersion kServiceUuids{53};       // ids are UUIDs; PUT /{id}

// Nova's services.updated_at: "2026-11-21T10:45:16.000000".
std::string serviceTime(std::int64_t unix_seconds) {
  if (unix_seconds <= 0) return "";
  const std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000", &tm);
  return buf;
}

// When the host was last heard of: a report or a poll for work. Callers hold state.mu.
std::int64_t lastHeard(const CloudState& state, const std::string& host) {
  std::int64_t t = 0;
  if (auto h = state.hosts.find(host); h != state.hosts.end()) t = h->second.last_report_unix;
  if (auto s = state.host_seen.find(host); s != state.host_seen.end()) t = std::max(t, s->second);
  return t;
}

json serviceView(const Context& c, const ServiceRecord& s, ComputeVersion v) {
  const std::int64_t heard = lastHeard(c.state, s.host);
  const std::string updated = serviceTime(heard);
  json out = {{"id", v.atLeast(kServiceUuids) ? json(s.id) : json(s.number)},
              {"binary", std::string(kComputeBinary)},
              {"host", s.host},
              {"zone", hostZone(c.state, s.host)},
              {"status", s.disabled ? "disabled" : "enabled"},
              {"state", serviceUp(s, heard, unixNow(), c.options.host_down_after) ? "up" : "down"},
              {"updated_at", updated.empty() ? json() : json(updated)},
              {"disabled_reason", s.disabled_reason.empty() ? json() : json(s.disabled_reason)}};
  if (v.atLeast(kServiceForcedDown)) out["forced_down"] = s.forced_down;
  return out;
}

Error serviceNotFound(const std::string& id) {
  return Error::make(ErrorCode::kNotFound, "Service " + id + " could not be found.");
}

// The service named by a path id: a UUID from 2.53, the integer before. Callers hold
// state.mu.
Result<const ServiceRecord*> findService(const CloudState& state, const std::string& id,
                                         ComputeVersion v) {
  if (v.atLeast(kServiceUuids)) {
    if (!isCanonicalUuid(id))
      return badRequest("Invalid uuid " + id + ": service ids are UUIDs from microversion 2.53.");
    for (const auto& [host, s] : state.services) {
      if (s.id == id) return &s;
    }
    return serviceNotFound(id);
  }
  for (const auto& [host, s] : state.services) {
    if (std::to_string(s.number) == id) return &s;
  }
  return serviceNotFound(id);
}

// The host's provider with COMPUTE_STATUS_DISABLED set or cleared, the other traits
// kept; a generation conflict (the agent syncing at the same moment) is re-read and
// redone. A provider placement does not have yet is left for the agent to create.
Status applyDisabledTrait(placement_client::PlacementClient& placement, const std::string& uuid,
                          bool disabled) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto current = placement.getTraits(uuid);
    if (!current) {
      if (current.error().code == ErrorCode::kNotFound) return okStatus();
      return current.takeError();
    }
    const auto wanted = traitsForStatus(current->traits, disabled);
    if (wanted == current->traits) return okStatus();
    auto put = placement.putTraits(uuid, current->generation, wanted);
    if (put) return okStatus();
    if (put.error().code != ErrorCode::kConflict) return put.takeError();
  }
  return Error::make(ErrorCode::kUnavailable,
                     "the traits of provider " + uuid + " kept changing; try again");
}

Error placementFailure(const std::string& what, const Error& e) {
  return Error::make(ErrorCode::kUnavailable, what + ": placement answered: " + e.message);
}

// Placement first, then the record: what the list shows is what the scheduler obeys
// (a failure on either side leaves the old state shown; the request can be repeated).
Result<ServiceRecord> applyUpdate(const Context& c, const std::string& host,
                                  const ServiceUpdate& u) {
  std::string provider;
  {
    auto lock = c.state.read();
    if (!lock) return storeFailure(lock.error());
    auto it = c.state.services.find(host);
    if (it == c.state.services.end()) return serviceNotFound(host);
    provider = it->second.id;
  }
  if (u.disabled) {
    if (c.placement == nullptr)
      return Error::make(ErrorCode::kUnavailable, "No placement service is configured.");
    if (auto s = applyDisabledTrait(*c.placement, provider, *u.disabled); !s)
      return placementFailure("Setting the status of " + host, s.error());
  }
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto it = c.state.services.find(host);
  if (it == c.state.services.end()) return serviceNotFound(host);
  ServiceRecord s = it->second;
  if (u.disabled) {
    s.disabled = *u.disabled;
    // Enabling forgets why it was disabled, as Nova does.
    s.disabled_reason = *u.disabled ? u.disabled_reason.value_or("") : "";
  }
  if (u.forced_down) s.forced_down = *u.forced_down;
  s.updated_at = isoNow();
  if (auto st = c.state.save(s); !st) return storeFailure(st.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return s;
}

Reply legacyUpdate(const Context& c, const HttpRequest& r, const std::string& action) {
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto req = parseLegacyServiceAction(action, *doc);
  if (!req) return req.takeError();
  if (req->binary != kComputeBinary) {
    return Error::make(ErrorCode::kNotFound, "Service " + req->binary + " on host " + req->host +
                                                 " could not be found; the one binary is " +
                                                 std::string(kComputeBinary) + ".");
  }
  auto s = applyUpdate(c, req->host, req->update);
  if (!s) return s.takeError();
  json out = {{"host", s->host}, {"binary", std::string(kComputeBinary)}};
  if (req->action == LegacyServiceAction::kForceDown) {
    out["forced_down"] = s->forced_down;
  } else {
    out["status"] = s->disabled ? "disabled" : "enabled";
    if (req->action == LegacyServiceAction::kDisableLogReason)
      out["disabled_reason"] = s->disabled_reason;
  }
  return jsonResponse(200, {{"service", out}});
}

}  // namespace

Reply listServices(const Context& c, const HttpRequest& r, const PathParams&) {
  if (auto s = requirePolicy(r, "os_compute_api:os-services:list"); !s) return s.error();
  std::optional<std::string> host, binary;
  for (const auto& [k, v] : r.query) {
    if (k == "host") {
      host = v;
    } else if (k == "binary") {
      binary = v;
    } else {
      return badRequest("Invalid query parameter '" + k + "'; allowed: host, binary");
    }
  }
  const ComputeVersion v = versionOf(r);
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  // Agents may report to any instance: every instance's heartbeats, read now.
  if (auto s = c.state.refreshHeartbeats(); !s) return storeFailure(s.error());
  json list = json::array();
  if (!binary || *binary == kComputeBinary) {
    for (const auto& [name, s] : c.state.services) {
      if (host && name != *host) continue;
      list.push_back(serviceView(c, s, v));
    }
  }
  return jsonResponse(200, {{"services", list}});
}

Reply updateService(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requirePolicy(r, "os_compute_api:os-services:update"); !s) return s.error();
  const ComputeVersion v = versionOf(r);
  if (!v.atLeast(kServiceUuids)) return legacyUpdate(c, r, p[0]);
  std::string host;
  {
    auto lock = c.state.read();
    if (!lock) return storeFailure(lock.error());
    auto found = findService(c.state, p[0], v);
    if (!found) return found.takeError();
    host = (*found)->host;
  }
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto update = parseServiceUpdate(*doc);
  if (!update) return update.takeError();
  auto s = applyUpdate(c, host, *update);
  if (!s) return s.takeError();
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  if (auto st = c.state.refreshHeartbeats(); !st) return storeFailure(st.error());
  return jsonResponse(200, {{"service", serviceView(c, *s, v)}});
}

Reply deleteService(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requirePolicy(r, "os_compute_api:os-services:delete"); !s) return s.error();
  const ComputeVersion v = versionOf(r);
  ServiceRecord service;
  bool up = false;
  std::size_t servers_on_host = 0;
  {
    auto lock = c.state.read();
    if (!lock) return storeFailure(lock.error());
    if (auto s = c.state.refreshHeartbeats(); !s) return storeFailure(s.error());
    auto found = findService(c.state, p[0], v);
    if (!found) return found.takeError();
    service = **found;
    up = serviceUp(service, lastHeard(c.state, service.host), unixNow(), c.options.host_down_after);
    for (const auto& [id, s] : c.state.servers) {
      if (s.host == service.host) ++servers_on_host;
    }
  }
  if (auto s = checkServiceDeletable(service, up, servers_on_host, {}); !s) return s.error();
  if (c.placement == nullptr)
    return Error::make(ErrorCode::kUnavailable, "No placement service is configured.");
  // The host's provider tree: the compute node and its children (PCI devices).
  auto tree = c.placement->listProviders("in_tree=" + service.id);
  if (!tree && tree.error().code != ErrorCode::kNotFound)
    return placementFailure("Listing the providers of " + service.host, tree.error());
  std::vector<placement_client::Provider> providers;
  if (tree) providers = std::move(*tree);
  std::vector<std::string> consumers;
  for (const auto& pr : providers) {
    auto held = c.placement->getProviderConsumers(pr.uuid);
    if (!held) return placementFailure("Reading the allocations of " + pr.name, held.error());
    consumers.insert(consumers.end(), held->begin(), held->end());
  }
  if (auto s = checkServiceDeletable(service, up, servers_on_host, consumers); !s) return s.error();
  // Leaves first: placement refuses to delete a provider that has children.
  while (!providers.empty()) {
    std::vector<placement_client::Provider> parents;
    for (const auto& pr : providers) {
      const bool is_parent = std::any_of(providers.begin(), providers.end(),
                                         [&](const auto& o) { return o.parent_uuid == pr.uuid; });
      if (is_parent) {
        parents.push_back(pr);
      } else if (auto s = c.placement->deleteProvider(pr.uuid); !s) {
        if (s.error().code == ErrorCode::kFailedPrecondition)
          return Error::make(ErrorCode::kConflict,
                             "Provider " + pr.name + " could not be deleted: " + s.error().message);
        return placementFailure("Deleting provider " + pr.name, s.error());
      }
    }
    if (parents.size() == providers.size()) break;  // a cycle cannot be; do not spin
    providers = std::move(parents);
  }
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  if (auto s = c.state.eraseHost(service.host); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return emptyResponse(204);
}

}  // namespace stratus::api::compute
