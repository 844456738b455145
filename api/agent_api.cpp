// The endpoints compute agents use: report the host, take the work for it, report
// what became of each server. Admin only.
#include "api/compute_api.h"
#include "common/uuid.h"
#include "virt/host_facts.h"

namespace stratus::api {

using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

HttpResponse ComputeApi::reportHost(const HttpRequest& r, const http::PathParams& p) {
  if (!r.auth.admin) return novaError(403, "Only an admin (a compute agent) may report a host.");
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return novaError(400, why);
  if (!doc->contains("provider_uuid") || !(*doc)["provider_uuid"].is_string() ||
      !isCanonicalUuid((*doc)["provider_uuid"].get<std::string>())) {
    return novaError(400, "provider_uuid is required and must be a UUID");
  }
  if (!doc->contains("facts")) return novaError(400, "facts is required: the host facts document");
  auto facts = virt::hostFactsFromJson((*doc)["facts"]);
  if (!facts) return novaError(400, facts.error().message);
  HostRecord h{p[0], (*doc)["provider_uuid"].get<std::string>(), (*doc)["facts"], unixNow(),
               doc->value("uptime", std::string())};
  std::lock_guard lock(state_.mu);
  if (auto s = state_.save(h); !s) return novaError(500, s.error().message);
  state_.host_facts[h.id] = std::move(*facts);
  state_.host_seen[h.name] = h.last_report_unix;
  return jsonResponse(200, {{"host", {{"name", h.name}, {"id", h.id}}}});
}

HttpResponse ComputeApi::hostTasks(const HttpRequest& r, const http::PathParams& p) {
  if (!r.auth.admin) return novaError(403, "Only an admin (a compute agent) may take work.");
  std::lock_guard lock(state_.mu);
  state_.host_seen[p[0]] = unixNow();
  json tasks = json::array();
  // Every server placed on any host: agents sharing one libvirt (a kvm and a qemu agent
  // on one machine) must not take each other's guests for orphans.
  json placed = json::array();
  for (const auto& [id, s] : state_.servers) {
    if (!s.host.empty()) placed.push_back(id);
    if (s.host != p[0]) continue;
    if (s.task == ServerTask::kSpawning) {
      tasks.push_back({{"server_id", id},
                       {"action", "spawn"},
                       {"instance_name", s.instanceName()},
                       {"flavor",
                        {{"name", s.flavor.name},
                         {"vcpus", s.flavor.vcpus},
                         {"ram", s.flavor.ram_mb},
                         {"disk", s.flavor.disk_gb},
                         {"extra_specs", s.flavor.extra_specs}}},
                       {"image_properties", s.image_properties}});
    } else if (s.task == ServerTask::kDeleting) {
      tasks.push_back(
          {{"server_id", id}, {"action", "delete"}, {"instance_name", s.instanceName()}});
    }
  }
  return jsonResponse(200, {{"tasks", tasks}, {"placed", placed}});
}

HttpResponse ComputeApi::serverEvent(const HttpRequest& r, const http::PathParams& p) {
  if (!r.auth.admin) return novaError(403, "Only an admin (a compute agent) may report events.");
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return novaError(400, why);
  const std::string action = doc->value("action", "");
  const std::string result = doc->value("result", "");
  const std::string host = doc->value("host", "");
  const std::string message = doc->value("message", "");
  if (action != "spawn" && action != "delete")
    return novaError(400, "action='" + action + "' is invalid; allowed: spawn, delete");
  if (result != "ok" && result != "error")
    return novaError(400, "result='" + result + "' is invalid; allowed: ok, error");
  std::unique_lock lock(state_.mu);
  auto it = state_.servers.find(p[0]);
  // Gone already, or moved on: the event is stale and changes nothing.
  if (it == state_.servers.end() || it->second.host != host) {
    return jsonResponse(200, {{"accepted", false}});
  }
  ServerRecord s = it->second;
  bool accepted = false;
  if (action == "spawn" && s.task == ServerTask::kSpawning) {
    if (result == "ok") {
      s.status = "ACTIVE";
      s.power_state = 1;
      s.launched_at = isoNow();
      if (doc->contains("resolved_model") && (*doc)["resolved_model"].is_string()) {
        s.viommu_resolved = (*doc)["resolved_model"].get<std::string>();
      }
    } else {
      s.status = "ERROR";
      s.fault_code = 500;
      s.fault_message = "Spawning on " + host + " failed: " + message;
      s.fault_created = isoNow();
      s.host.clear();  // nothing runs there; the conductor gives the room back
    }
    s.task = ServerTask::kNone;
    accepted = true;
  } else if (action == "delete" && s.task == ServerTask::kDeleting && result == "ok") {
    s.host.clear();  // the guest is gone; the conductor releases the claim and forgets it
    accepted = true;
  }
  if (accepted) {
    if (auto st = state_.save(s); !st) return novaError(500, st.error().message);
    lock.unlock();
    state_.work.notify_all();
  }
  return jsonResponse(200, {{"accepted", accepted}});
}

}  // namespace stratus::api
