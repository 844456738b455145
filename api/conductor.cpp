#include "api/conductor.h"

#include <algorithm>
#include <vector>

#include "api/availability_zones.h"
#include "api/server_lease.h"
#include "common/log.h"
#include "common/uuid.h"

namespace stratus::api {

Conductor::Conductor(CloudState& state, placement_client::PlacementClient& placement,
                     ApiOptions options)
    : state_(state),
      placement_(placement),
      instance_id_(newUuid()),
      options_(std::move(options)),
      scheduler_(placement, options_.virt, options_.traits,
                 [this](const std::string& uuid) -> std::optional<scheduler::HostRecord> {
                   std::lock_guard lock(state_.mu);
                   auto facts = state_.host_facts.find(uuid);
                   if (facts == state_.host_facts.end()) return std::nullopt;
                   for (const auto& [name, h] : state_.hosts) {
                     if (h.id != uuid) continue;
                     // A host whose agent stopped asking for work would never boot it.
                     auto seen = state_.host_seen.find(name);
                     if (seen == state_.host_seen.end() ||
                         unixNow() - seen->second > options_.host_down_after.count()) {
                       return std::nullopt;
                     }
                     // Fenced by an operator (os-services forced_down): down, whatever it says.
                     if (auto svc = state_.services.find(name);
                         svc != state_.services.end() && svc->second.forced_down) {
                       return std::nullopt;
                     }
                     return scheduler::HostRecord{name, uuid, facts->second};
                   }
                   return std::nullopt;
                 }) {}

Conductor::~Conductor() {
  stop();
}

void Conductor::start() {
  const unsigned n = std::max(1u, options_.conductor_workers);
  for (unsigned i = 0; i < n; ++i) {
    threads_.emplace_back([this] {
      while (!stop_.load()) {
        const int handled = runOnce();
        if (handled > 0) continue;
        std::unique_lock lock(state_.mu);
        state_.work.wait_for(lock, std::chrono::milliseconds(500));
      }
    });
  }
}

void Conductor::stop() {
  stop_.store(true);
  state_.work.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Conductor::backOff(const std::string& id, const Error& e) {
  logLine("server " + id + ": will retry: " + e.message);
  retry_.notBefore(id, std::chrono::steady_clock::now() + std::chrono::seconds(2));
}

int Conductor::runOnce() {
  std::vector<std::string> to_schedule, to_forget, to_release;
  {
    // Caught up: servers created and deleted through other instances count too.
    auto lock = state_.read();
    if (!lock) {
      logLine("conductor: cannot read the database: " + lock.error().message);
      return 0;
    }
    const std::int64_t now = unixNow();
    const auto steady_now = std::chrono::steady_clock::now();
    for (const auto& [id, s] : state_.servers) {
      // Held by another worker: it is that worker's until its outcome is stored.
      if (in_flight_.contains(id) || !retry_.due(id, steady_now)) continue;
      if (s.task == ServerTask::kScheduling) {
        if (!leaseAvailable(s, instance_id_, now)) continue;  // another conductor has it
        to_schedule.push_back(id);
      } else if (s.task == ServerTask::kDeleting && s.host.empty()) {
        to_forget.push_back(id);
      } else if (s.task == ServerTask::kNone && s.status == "ERROR" && s.allocation_held) {
        to_release.push_back(id);
      }
    }
  }
  int handled = 0;
  // Each server is handled only while this worker holds it; one another worker took
  // since the list was made is skipped (that worker stores its outcome).
  const auto each = [&](const std::vector<std::string>& ids, auto&& handle) {
    for (const auto& id : ids) {
      if (stop_.load()) return;
      InFlightHold hold(in_flight_, id);
      if (!hold.held()) continue;
      handle(id);
      ++handled;
    }
  };
  each(to_forget, [this](const std::string& id) { releaseAndForget(id); });
  each(to_release, [this](const std::string& id) { releaseFailedClaim(id); });
  each(to_schedule, [this](const std::string& id) { scheduleServer(id); });
  return handled;
}

namespace {
// Deleting a consumer that has no allocations is fine: 404 means already released.
Status releaseClaim(placement_client::PlacementClient& placement, const std::string& id) {
  auto r = placement.call("DELETE", "/allocations/" + id);
  if (!r && r.error().code != ErrorCode::kNotFound) return r.takeError();
  return okStatus();
}
}  // namespace

void Conductor::releaseAndForget(const std::string& id) {
  if (auto s = releaseClaim(placement_, id); !s) return backOff(id, s.error());
  auto lock = state_.write();
  if (!lock) return backOff(id, lock.error());
  auto it = state_.servers.find(id);
  if (it == state_.servers.end() || it->second.task != ServerTask::kDeleting) return;
  if (auto s = state_.eraseServer(id); !s) return backOff(id, s.error());
  if (auto s = lock->commit(); !s) return backOff(id, s.error());
  retry_.clear(id);
  logLine("server " + id + " deleted");
}

void Conductor::releaseFailedClaim(const std::string& id) {
  if (auto s = releaseClaim(placement_, id); !s) return backOff(id, s.error());
  auto lock = state_.write();
  if (!lock) return backOff(id, lock.error());
  auto it = state_.servers.find(id);
  if (it == state_.servers.end()) return;
  ServerRecord s = it->second;
  s.allocation_held = false;
  if (auto st = state_.save(s); !st) return backOff(id, st.error());
  if (auto st = lock->commit(); !st) backOff(id, st.error());
}

void Conductor::scheduleServer(const std::string& id) {
  ServerRecord server;
  {
    // The lease, in a write scope: of two conductors that both saw the server free,
    // the second finds it taken once it has caught up on the first's commit.
    auto lock = state_.write();
    if (!lock) return backOff(id, lock.error());
    auto it = state_.servers.find(id);
    if (it == state_.servers.end() || it->second.task != ServerTask::kScheduling) return;
    if (!leaseAvailable(it->second, instance_id_, unixNow())) return;
    server = it->second;
    if (!server.lease_owner.empty() && server.lease_owner != instance_id_) {
      logLine("server " + id + ": taking over from conductor " + server.lease_owner +
              ", whose lease expired");
    }
    takeLease(server, instance_id_, unixNow());
    if (auto s = state_.save(server); !s) return backOff(id, s.error());
    if (auto s = lock->commit(); !s) return backOff(id, s.error());
  }
  {
    // Heartbeats other instances heard: the host lookup below reads them.
    std::lock_guard lock(state_.mu);
    if (auto s = state_.refreshHeartbeats(1); !s)
      logLine("heartbeats not read: " + s.error().message);
  }
  // A claim from an attempt that died before its result was stored is given back first.
  if (auto s = releaseClaim(placement_, id); !s) return backOff(id, s.error());
  virt::Flavor flavor{server.flavor.name, server.flavor.vcpus, server.flavor.ram_mb,
                      server.flavor.disk_gb, server.flavor.extra_specs};
  auto spec = scheduler::buildRequestSpec(flavor, server.image_properties, options_.virt,
                                          options_.pci, options_.allow_unknown_extra_specs);
  // The zone as the aggregates say now: they may have changed since the create.
  if (spec && !server.availability_zone.empty()) {
    std::lock_guard lock(state_.mu);  // memory only: caught up by the lease's scope
    auto member_of = memberOfForZone(server.availability_zone, state_.hosts, state_.aggregates);
    if (member_of) {
      spec->availability_zone = server.availability_zone;
      spec->availability_zone_member_of = *member_of;
    } else {
      spec = member_of.takeError();
    }
  }
  if (spec && !server.forced_host.empty()) {
    std::lock_guard lock(state_.mu);
    auto h = state_.hosts.find(server.forced_host);
    if (h == state_.hosts.end()) {  // its service deleted since the create
      spec = Error::make(ErrorCode::kFailedPrecondition,
                         "No valid host was found: the forced host " + server.forced_host +
                             " is no longer a compute host");
    } else {
      spec->forced_host = server.forced_host;
      spec->forced_host_provider = h->second.id;
    }
  }
  // A pass that outlived half its lease renews it before claiming, and claims nothing
  // once another conductor took it over (api/server_lease.h).
  const auto renew = [&]() -> Status {
    if (!leaseNeedsRenewal(server, unixNow())) return okStatus();
    auto expires = renewLease(state_, id, instance_id_, unixNow());
    if (!expires) {
      if (expires.error().code != ErrorCode::kUnavailable)
        logLine(expires.error().message + "; abandoning this pass before its claim");
      return expires.error();
    }
    server.lease_expires = *expires;
    return okStatus();
  };
  Result<scheduler::Selection> chosen =
      spec ? scheduler_.scheduleAndClaim(*spec, {id, server.project_id, server.user_id}, renew)
           : Result<scheduler::Selection>(spec.error());
  if (!chosen && chosen.error().code == ErrorCode::kUnavailable) {
    return backOff(id, chosen.error());
  }
  auto lock = state_.write();
  if (!lock) return backOff(id, lock.error());
  auto it = state_.servers.find(id);
  if (it == state_.servers.end()) return;
  ServerRecord s = it->second;
  retry_.clear(id);
  if (!holdsLease(s, instance_id_)) {
    // Taken over after our lease ran out: the new owner gave back whatever we had
    // claimed before its own claim (same consumer), so ours is not ours to record.
    logLine("server " + id + ": lease lost to " + s.lease_owner + "; not recording this pass");
    return;
  }
  clearLease(s);
  if (s.task != ServerTask::kScheduling) {
    // Deleted while we were choosing: the deleting path releases what we claimed.
    if (chosen) s.allocation_held = true;
    (void)state_.save(s);
    return;
  }
  if (!chosen) {
    s.status = "ERROR";
    s.task = ServerTask::kNone;
    s.fault_code = 500;
    s.fault_message = chosen.error().message;
    s.fault_created = isoNow();
    logLine("server " + id + " (" + s.name + "): " + s.fault_message);
  } else {
    s.host = chosen->host;
    s.provider_uuid = chosen->provider_uuid;
    s.viommu_resolved = std::string(virt::viommuModelName(chosen->resolved));
    s.task = ServerTask::kSpawning;
    s.allocation_held = true;
    s.allocations = chosen->allocations;
    // Nova records the zone the server landed in; it is what the server shows.
    s.availability_zone = hostZone(state_, s.host);
    logLine("server " + id + " (" + s.name + ") scheduled to " + s.host + ", vIOMMU " +
            s.viommu_requested + " -> " + s.viommu_resolved);
  }
  if (auto st = state_.save(s); !st) return backOff(id, st.error());
  if (auto st = lock->commit(); !st) backOff(id, st.error());
}

}  // namespace stratus::api
