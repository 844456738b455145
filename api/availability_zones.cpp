#include "api/availability_zones.h"

#include <algorithm>
#include <set>

#include "api/cloud_state.h"

namespace stratus::api {

std::string aggregateZone(const AggregateRecord& a) {
  auto it = a.metadata.find(std::string(kZoneMetadataKey));
  return it == a.metadata.end() ? "" : it->second;
}

std::string zoneOfHost(const std::string& host, const std::string& reported_default,
                       const std::map<int, AggregateRecord>& aggregates) {
  for (const auto& [id, a] : aggregates) {
    const std::string zone = aggregateZone(a);
    if (zone.empty()) continue;
    if (std::find(a.hosts.begin(), a.hosts.end(), host) != a.hosts.end()) return zone;
  }
  return reported_default.empty() ? std::string(kDefaultZone) : reported_default;
}

std::map<std::string, std::vector<std::string>> zoneHosts(
    const std::map<std::string, HostRecord>& hosts,
    const std::map<int, AggregateRecord>& aggregates) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [id, a] : aggregates) {
    if (const std::string zone = aggregateZone(a); !zone.empty()) out[zone];
  }
  for (const auto& [name, h] : hosts) {
    out[zoneOfHost(name, h.default_zone, aggregates)].push_back(name);
  }
  return out;
}

Result<std::string> memberOfForZone(const std::string& zone,
                                    const std::map<std::string, HostRecord>& hosts,
                                    const std::map<int, AggregateRecord>& aggregates) {
  std::string carrying, all_az;
  for (const auto& [id, a] : aggregates) {
    const std::string z = aggregateZone(a);
    if (z.empty()) continue;
    all_az += (all_az.empty() ? "" : ",") + a.uuid;
    if (z == zone) carrying += (carrying.empty() ? "" : ",") + a.uuid;
  }
  if (!carrying.empty()) return "in:" + carrying;
  const auto zones = zoneHosts(hosts, aggregates);
  if (zones.contains(zone)) return all_az.empty() ? std::string() : "!in:" + all_az;
  std::string allowed;
  for (const auto& [z, members] : zones) allowed += (allowed.empty() ? "" : ", ") + z;
  return Error::invalid("availability_zone", zone, allowed.empty() ? "none yet" : allowed,
                        "no such zone");
}

std::string hostZone(const CloudState& state, const std::string& host) {
  auto h = state.hosts.find(host);
  return zoneOfHost(host, h == state.hosts.end() ? "" : h->second.default_zone, state.aggregates);
}

}  // namespace stratus::api
