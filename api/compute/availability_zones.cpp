// Availability zones (Nova's availability_zone.py): each zone with whether it can take
// servers (it has an enabled compute service); /detail (admin) adds each host's
// nova-compute with its state. Zones come from api/availability_zones.h.
#include "api/availability_zones.h"

#include <algorithm>

#include "api/compute/handlers.h"
#include "api/service_rules.h"

namespace stratus::api::compute {
namespace {

using nlohmann::json;

Reply zoneList(const Context& c, bool detail) {
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  if (detail) {
    if (auto s = c.state.refreshHeartbeats(); !s) return storeFailure(s.error());
  }
  const std::int64_t now = unixNow();
  json list = json::array();
  for (const auto& [zone, hosts] : zoneHosts(c.state.hosts, c.state.aggregates)) {
    bool available = false;
    json members = json::object();
    for (const auto& host : hosts) {
      auto svc = c.state.services.find(host);
      if (svc == c.state.services.end()) continue;
      std::int64_t heard = 0;
      if (auto h = c.state.hosts.find(host); h != c.state.hosts.end())
        heard = h->second.last_report_unix;
      if (auto s = c.state.host_seen.find(host); s != c.state.host_seen.end())
        heard = std::max(heard, s->second);
      const bool up = serviceUp(svc->second, heard, now, c.options.host_down_after);
      available = available || !svc->second.disabled;
      members[host] = {
          {std::string(kComputeBinary),
           {{"available", up},
            {"active", !svc->second.disabled},
            {"updated_at",
             svc->second.updated_at.empty() ? json() : json(svc->second.updated_at)}}}};
    }
    list.push_back({{"zoneName", zone},
                    {"zoneState", {{"available", available}}},
                    {"hosts", detail ? members : json()}});
  }
  return jsonResponse(200, {{"availabilityZoneInfo", list}});
}

}  // namespace

Reply listAvailabilityZones(const Context& c, const HttpRequest&, const PathParams&) {
  return zoneList(c, false);
}

Reply listAvailabilityZonesDetail(const Context& c, const HttpRequest& r, const PathParams&) {
  if (auto s = requirePolicy(r, "os_compute_api:os-availability-zone:detail"); !s) return s.error();
  return zoneList(c, true);
}

}  // namespace stratus::api::compute
