// The endpoints compute agents use: report the host, take the work for it, report
// what became of each server. Admin only.
#include "api/availability_zones.h"
#include "api/compute/handlers.h"
#include "api/compute/schemas.h"
#include "api/server_state.h"
#include "api/service_rules.h"
#include "common/log.h"
#include "virt/host_facts.h"

namespace stratus::api::compute {

using nlohmann::json;

namespace {
// The agent's name for each power task (compute/power_ops.h parses the same names).
constexpr std::pair<ServerTask, std::string_view> kPowerTasks[] = {
    {ServerTask::kPoweringOff, "stop"},   {ServerTask::kPoweringOn, "start"},
    {ServerTask::kRebooting, "reboot"},   {ServerTask::kRebootingHard, "reboot_hard"},
    {ServerTask::kPausing, "pause"},      {ServerTask::kUnpausing, "unpause"},
    {ServerTask::kSuspending, "suspend"}, {ServerTask::kResuming, "resume"},
};
std::optional<std::string_view> powerActionOf(ServerTask task) {
  for (const auto& [t, name] : kPowerTasks) {
    if (t == task) return name;
  }
  return std::nullopt;
}
std::optional<ServerTask> powerTaskOf(std::string_view action) {
  for (const auto& [t, name] : kPowerTasks) {
    if (name == action) return t;
  }
  return std::nullopt;
}
// {"power_state": N, "saved": bool}; a missing or malformed field reads as NOSTATE/false.
GuestPowerReport powerReportOf(const json& doc) {
  GuestPowerReport p;
  if (!doc.is_object()) return p;
  if (doc.contains("power_state") && doc["power_state"].is_number_integer())
    p.power_state = doc["power_state"].get<int>();
  if (doc.contains("saved") && doc["saved"].is_boolean()) p.saved = doc["saved"].get<bool>();
  return p;
}
}  // namespace

Reply reportHost(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requireAdmin(r, "Only an admin (a compute agent) may report a host."); !s)
    return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  const auto& fields = hostReportSchema().fields;
  const json& uuid = doc->contains("provider_uuid") ? (*doc)["provider_uuid"] : json();
  if (uuid.is_null() || http::checkValue(uuid, fields.at("provider_uuid")))
    return badRequest("provider_uuid is required and must be a UUID");
  if (!doc->contains("facts")) return badRequest("facts is required: the host facts document");
  if (doc->contains("uptime") && http::checkValue((*doc)["uptime"], fields.at("uptime")))
    return badRequest("uptime='" + (*doc)["uptime"].dump() + "' is invalid; allowed: a string");
  auto facts = virt::hostFactsFromJson((*doc)["facts"]);
  if (!facts) return badRequest(facts.error().message);
  std::string zone;
  if (doc->contains("availability_zone")) {
    const json& z = (*doc)["availability_zone"];
    if (!z.is_string())
      return badRequest("availability_zone=" + z.dump() + " is invalid; allowed: a string");
    zone = z.get<std::string>();
    if (auto s = checkZoneName("availability_zone", zone); !s) return s.error();
  }
  std::map<std::string, std::string> owners;
  if (doc->contains("pci_owners")) {
    const json& o = (*doc)["pci_owners"];
    if (!o.is_object()) {
      return badRequest("pci_owners=" + o.dump() +
                        " is invalid; allowed: an object of PCI address -> server UUID");
    }
    for (const auto& [address, server] : o.items()) {
      if (!server.is_string()) {
        return badRequest("pci_owners[" + address + "]=" + server.dump() +
                          " is invalid; allowed: a server UUID string");
      }
      owners[address] = server.get<std::string>();
    }
  }
  HostRecord h{p[0],
               uuid.get<std::string>(),
               (*doc)["facts"],
               unixNow(),
               doc->value("uptime", std::string()),
               zone,
               std::move(owners)};
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  if (auto s = c.state.save(h); !s) return storeFailure(s.error());
  // The host's nova-compute service appears with its first report and keeps what an
  // operator set on it across later reports and restarts.
  if (!c.state.services.contains(h.name)) {
    ServiceRecord svc;
    svc.host = h.name;
    svc.id = h.id;
    svc.number = nextServiceNumber(c.state.services);
    svc.updated_at = isoNow();
    if (auto s = c.state.save(svc); !s) return storeFailure(s.error());
  }
  c.state.heartbeat(h.name, h.last_report_unix);
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return jsonResponse(200, {{"host", {{"name", h.name}, {"id", h.id}}}});
}

Reply hostTasks(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requireAdmin(r, "Only an admin (a compute agent) may take work."); !s)
    return s.error();
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  c.state.heartbeat(p[0], unixNow());
  json tasks = json::array();
  // Every server placed on any host: agents sharing one libvirt (a kvm and a qemu agent
  // on one machine) must not take each other's guests for orphans.
  json placed = json::array();
  for (const auto& [id, s] : c.state.servers) {
    if (!s.host.empty()) placed.push_back(id);
    if (s.host != p[0]) continue;
    if (s.task == ServerTask::kSpawning) {
      tasks.push_back(
          {{"server_id", id},
           {"action", "spawn"},
           {"instance_name", s.instanceName()},
           {"flavor",
            {{"name", s.flavor.name},
             {"vcpus", s.flavor.vcpus},
             {"ram", s.flavor.ram_mb},
             {"disk", s.flavor.disk_gb},
             {"extra_specs", s.flavor.extra_specs}}},
           {"image_properties", s.image_properties},
           {"allocations", s.allocations.is_object() ? s.allocations : json::object()}});
    } else if (s.task == ServerTask::kDeleting) {
      tasks.push_back(
          {{"server_id", id}, {"action", "delete"}, {"instance_name", s.instanceName()}});
    } else if (auto action = powerActionOf(s.task)) {
      tasks.push_back({{"server_id", id},
                       {"action", std::string(*action)},
                       {"instance_name", s.instanceName()}});
    }
  }
  return jsonResponse(200, {{"tasks", tasks}, {"placed", placed}});
}

Reply serverEvent(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requireAdmin(r, "Only an admin (a compute agent) may report events."); !s)
    return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  // Each of these is a string when present; anything else reads as empty and is refused
  // below (action, result) or ignored (host, message).
  auto text = [&](const char* key) {
    return doc->contains(key) && (*doc)[key].is_string() ? (*doc)[key].get<std::string>()
                                                         : std::string();
  };
  const std::string action = text("action");
  const std::string result = text("result");
  const std::string host = text("host");
  const std::string message = text("message");
  const std::optional<ServerTask> power_task = powerTaskOf(action);
  if (action != "spawn" && action != "delete" && !power_task) {
    return badRequest("action='" + action +
                      "' is invalid; allowed: spawn, delete, stop, start, reboot, reboot_hard, "
                      "pause, unpause, suspend, resume");
  }
  if (result != "ok" && result != "error")
    return badRequest("result='" + result + "' is invalid; allowed: ok, error");
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto it = c.state.servers.find(p[0]);
  // Gone already, or moved on: the event is stale and changes nothing.
  if (it == c.state.servers.end() || it->second.host != host) {
    return jsonResponse(200, {{"accepted", false}});
  }
  ServerRecord s = it->second;
  bool accepted = false;
  if (power_task) {
    accepted = finishAction(s, *power_task, result == "ok", powerReportOf(*doc));
    if (accepted && result != "ok") {
      logLine("server " + s.id + ": " + action + " on " + host + " failed: " + message);
    }
  } else if (action == "spawn" && s.task == ServerTask::kSpawning) {
    if (result == "ok") {
      s.status = "ACTIVE";
      s.vm_state = "active";
      s.power_state = kPowerRunning;
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
    if (auto st = c.state.save(s); !st) return storeFailure(st.error());
    if (auto st = lock->commit(); !st) return storeFailure(st.error());
    c.state.work.notify_all();
  }
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return jsonResponse(200, {{"accepted", accepted}});
}

// The power state of every managed guest the agent sees, {"guests": {"<server id>":
// {"power_state": N, "saved": bool}}}, read after the pass's tasks were done and
// reported: each server on this host with no task follows it (syncPowerState); one whose
// guest is not listed has none (NOSTATE).
Reply hostPowerStates(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requireAdmin(r, "Only an admin (a compute agent) may report power states."); !s)
    return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  if (!doc->contains("guests") || !(*doc)["guests"].is_object()) {
    return badRequest("guests='" + doc->value("guests", json()).dump() +
                      "' is invalid; allowed: an object of server id to "
                      "{\"power_state\": N, \"saved\": true|false}");
  }
  const json& guests = (*doc)["guests"];
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  std::vector<ServerRecord> changed;
  for (const auto& [id, server] : c.state.servers) {
    if (server.host != p[0]) continue;
    // syncPowerState leaves a server with a task in hand alone: skip the copy (under the
    // lock, for every server of the host on every report, it dominated a boot burst).
    if (server.task != ServerTask::kNone) continue;
    ServerRecord s = server;
    const GuestPowerReport seen =
        guests.contains(id) ? powerReportOf(guests[id]) : GuestPowerReport{};
    const std::string before = vmStateOf(s);
    if (!syncPowerState(s, seen)) continue;
    if (vmStateOf(s) != before || s.task != server.task) {
      logLine("server " + id + ": power sync: guest has power_state " +
              std::to_string(seen.power_state) + ", vm_state " + before + " -> " + vmStateOf(s) +
              (s.task == ServerTask::kPoweringOff ? ", stopping it" : ""));
    }
    changed.push_back(std::move(s));
  }
  int saved = 0;
  for (const auto& s : changed) {
    if (auto st = c.state.save(s); !st) return storeFailure(st.error());
    ++saved;
  }
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  if (saved > 0) c.state.work.notify_all();
  return jsonResponse(200, {{"updated", saved}});
}

}  // namespace stratus::api::compute
