// Servers (Nova's servers.py): list with Nova's filters, create (checked against the
// flavor and image as the scheduler will read them), show and delete. The conductor
// does the rest.
#include <regex>
#include <set>

#include "api/availability_zones.h"
#include "api/compute/handlers.h"
#include "api/compute/schemas.h"
#include "api/compute/views.h"
#include "api/server_state.h"
#include "api/zone_request.h"
#include "common/uuid.h"
#include "scheduler/prefilters.h"
#include "scheduler/request_spec.h"
#include "virt/guest_request.h"

namespace stratus::api::compute {
namespace {

using nlohmann::json;

Reply serverList(const Context& c, const HttpRequest& r, bool detail) {
  std::optional<std::regex> name_filter;
  std::optional<std::string> status_filter, host_filter;
  for (const auto& [k, v] : r.query) {
    if (k == "name") {
      try {
        name_filter = std::regex(v);
      } catch (const std::regex_error&) {
        return badRequest("Invalid name filter '" + v + "': not a valid regular expression");
      }
    } else if (k == "status") {
      static const std::set<std::string> statuses = {"ACTIVE", "BUILD",  "ERROR",   "HARD_REBOOT",
                                                     "PAUSED", "REBOOT", "SHUTOFF", "SUSPENDED"};
      if (!statuses.contains(v)) {
        return badRequest("Invalid status filter '" + v +
                          "'; allowed: ACTIVE, BUILD, ERROR, HARD_REBOOT, PAUSED, REBOOT, "
                          "SHUTOFF, SUSPENDED");
      }
      status_filter = v;
    } else if (k == "host") {
      host_filter = v;
    } else if (k != "all_tenants" && k != "limit" && k != "marker" && k != "deleted") {
      return badRequest("Invalid query parameter '" + k +
                        "'; allowed: name, status, host, all_tenants, limit, marker");
    }
  }
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  json list = json::array();
  for (const auto& [id, s] : c.state.servers) {
    if (!r.auth.admin && s.project_id != r.auth.project_id) continue;
    if (name_filter && !std::regex_search(s.name, *name_filter)) continue;
    if (status_filter && displayStatus(s) != *status_filter) continue;
    if (host_filter && s.host != *host_filter) continue;
    list.push_back(detail ? serverDetail(s, r, c.options) : serverSummary(s, c.options));
  }
  return jsonResponse(200, {{"servers", list}});
}

// networks: Stratus has none; from 2.37 Nova requires "none" or "auto".
Status checkNetworks(const json& body, ComputeVersion v) {
  if (!body.contains("networks")) {
    if (!v.atLeast(kNetworksRequired)) return okStatus();
    return badRequest(
        "Invalid input for server: 'networks' is a required property from "
        "microversion 2.37; allowed: \"none\" or \"auto\"");
  }
  const json& n = body["networks"];
  const bool word = n.is_string() && (n == "none" || n == "auto");
  if (word && !v.atLeast(kNetworksRequired)) {
    return badRequest(
        invalidField("networks", n, "'none' and 'auto' need microversion 2.37 or later."));
  }
  if (!word && !(n.is_array() && n.empty())) {
    return badRequest(
        invalidField("networks", n,
                     "Stratus has no networking; allowed: \"none\", \"auto\" (no network) or []."));
  }
  return okStatus();
}

Result<std::map<std::string, std::string>> metadataOf(const json& body) {
  std::map<std::string, std::string> metadata;
  if (!body.contains("metadata")) return metadata;
  for (const auto& [k, v] : body["metadata"].items()) {
    if (!v.is_string() || k.empty() || k.size() > 255 || v.get<std::string>().size() > 255) {
      return badRequest(
          invalidField("metadata", body["metadata"],
                       "Keys and values must be strings of 1 to 255 and 0 to 255 characters."));
    }
    metadata[k] = v.get<std::string>();
  }
  return metadata;
}

// A ref may be a link; the id is its last segment, as in Nova.
std::string idOfRef(std::string ref) {
  if (auto slash = ref.rfind('/'); slash != std::string::npos) ref = ref.substr(slash + 1);
  return ref;
}

// The server, when the caller may see it (its project, or an admin).
Result<const ServerRecord*> findServer(const CloudState& state, const HttpRequest& r,
                                       const std::string& id) {
  auto it = state.servers.find(id);
  if (it == state.servers.end() || (!r.auth.admin && it->second.project_id != r.auth.project_id)) {
    return Error::make(ErrorCode::kNotFound, "Instance " + id + " could not be found.");
  }
  return &it->second;
}

}  // namespace

Reply listServers(const Context& c, const HttpRequest& r, const PathParams&) {
  return serverList(c, r, false);
}

Reply listServersDetail(const Context& c, const HttpRequest& r, const PathParams&) {
  return serverList(c, r, true);
}

Reply createServer(const Context& c, const HttpRequest& r, const PathParams&) {
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto checked = checkBody(*doc, serverCreateSchema());
  if (!checked) return checked.takeError();
  const json& body = **checked;
  if (auto s = checkNetworks(body, versionOf(r)); !s) return s.error();
  auto metadata = metadataOf(body);
  if (!metadata) return metadata.takeError();
  const std::string flavor_ref = idOfRef(body["flavorRef"].get<std::string>());
  const std::string image_ref = idOfRef(body["imageRef"].get<std::string>());

  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  // A flavorRef that names no flavor is a bad request here, not a missing resource.
  auto flavor = findFlavor(c.state, flavor_ref);
  if (!flavor)
    return badRequest("Flavor " + flavor_ref + " could not be found: invalid flavorRef.");
  auto image = c.state.images.find(image_ref);
  if (image == c.state.images.end())
    return badRequest("Can not find requested image " + image_ref + ": invalid imageRef.");
  if (image->second.status != "active") {
    return badRequest("Image " + image_ref + " is not active (status " + image->second.status +
                      "): upload its data first.");
  }
  const FlavorRecord& fr = **flavor;
  virt::Flavor vf{fr.name, fr.vcpus, fr.ram_mb, fr.disk_gb, fr.extra_specs};
  auto spec = scheduler::buildRequestSpec(vf, image->second.properties, c.options.virt,
                                          c.options.pci, c.options.allow_unknown_extra_specs);
  if (!spec) return badRequest(spec.error().message);
  if (auto st = scheduler::checkQueryConflicts(*spec, c.options.traits); !st)
    return badRequest(st.error().message);

  ServerRecord s;
  // availability_zone: a zone some host is in, or ZONE:HOST / ZONE::NODE / ZONE:HOST:NODE
  // forcing a host (admins only, Nova's os_compute_api:servers:create:forced_host).
  if (body.contains("availability_zone")) {
    const std::string value = body["availability_zone"].get<std::string>();
    auto request = parseZoneRequest(value);
    if (!request) return request.takeError();
    if (request->forcesHost()) {
      if (auto st = requirePolicy(r, "os_compute_api:servers:create:forced_host"); !st)
        return st.error();
      auto forced = forcedHostOf(*request, value, c.state.hosts, c.state.aggregates);
      if (!forced) return forced.takeError();
      s.forced_host = *forced;
    } else {
      auto zone = memberOfForZone(request->zone, c.state.hosts, c.state.aggregates);
      if (!zone) return zone.takeError();
    }
    s.availability_zone = request->zone;
  }
  s.id = newUuid();
  s.name = body["name"].get<std::string>();
  s.project_id = r.auth.project_id;
  s.user_id = r.auth.user_id;
  s.image_id = image_ref;
  s.image_properties = image->second.properties;
  s.flavor = fr;
  s.metadata = std::move(*metadata);
  s.viommu_requested = std::string(virt::viommuModelName(spec->guest.viommu.value));
  s.created = isoNow();
  s.status = "BUILD";
  s.task = ServerTask::kScheduling;
  if (auto st = c.state.save(s); !st) return storeFailure(st.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  c.state.work.notify_all();
  return jsonResponse(202, {{"server", serverCreated(s, c.options)}});
}

Reply showServer(const Context& c, const HttpRequest& r, const PathParams& p) {
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  auto server = findServer(c.state, r, p[0]);
  if (!server) return server.takeError();
  return jsonResponse(200, {{"server", serverDetail(**server, r, c.options)}});
}

Reply deleteServer(const Context& c, const HttpRequest& r, const PathParams& p) {
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto server = findServer(c.state, r, p[0]);
  if (!server) return server.takeError();
  if ((*server)->task != ServerTask::kDeleting) {
    ServerRecord s = **server;
    s.task = ServerTask::kDeleting;
    if (auto st = c.state.save(s); !st) return storeFailure(st.error());
  }
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  c.state.work.notify_all();
  return emptyResponse(204);
}

}  // namespace stratus::api::compute
