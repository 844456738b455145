#include "api/zone_request.h"

#include <algorithm>

#include "api/availability_zones.h"

namespace stratus::api {
namespace {

constexpr std::string_view kKey = "availability_zone";

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none yet" : out;
}

}  // namespace

Result<ZoneRequest> parseZoneRequest(const std::string& value) {
  const auto colons = std::count(value.begin(), value.end(), ':');
  ZoneRequest out;
  if (colons == 0) {
    out.zone = value;
  } else if (colons == 1) {
    const auto c = value.find(':');
    out.zone = value.substr(0, c);
    out.host = value.substr(c + 1);
  } else if (colons == 2) {
    const auto a = value.find(':');
    const auto b = value.find(':', a + 1);
    out.zone = value.substr(0, a);
    out.host = value.substr(a + 1, b - a - 1);
    out.node = value.substr(b + 1);
  } else {
    return Error::invalid(std::string(kKey), value, "ZONE, ZONE:HOST, ZONE::NODE or ZONE:HOST:NODE",
                          "cannot be parsed");
  }
  return out;
}

Result<std::string> forcedHostOf(const ZoneRequest& request, const std::string& value,
                                 const std::map<std::string, HostRecord>& hosts,
                                 const std::map<int, AggregateRecord>& aggregates) {
  if (!request.forcesHost()) return std::string();
  std::vector<std::string> names;
  for (const auto& [name, h] : hosts) names.push_back(name);
  const std::string key(kKey);
  if (!request.host.empty() && !hosts.contains(request.host)) {
    return Error::invalid(key, value, listed(names), "no compute host named " + request.host);
  }
  if (!request.node.empty() && !hosts.contains(request.node)) {
    return Error::invalid(key, value, listed(names), "no compute node named " + request.node);
  }
  if (!request.host.empty() && !request.node.empty() && request.node != request.host) {
    return Error::invalid(key, value, request.host,
                          "node " + request.node + " is not host " + request.host +
                              "'s (each Stratus host has one node, named as the host)");
  }
  const std::string host = request.host.empty() ? request.node : request.host;
  if (request.zone.empty()) return host;
  const auto h = hosts.find(host);
  const std::string zone = zoneOfHost(host, h->second.default_zone, aggregates);
  if (zone != request.zone) {
    const auto zones = zoneHosts(hosts, aggregates);
    auto in_zone = zones.find(request.zone);
    if (in_zone == zones.end()) {
      std::vector<std::string> zone_names;
      for (const auto& [z, members] : zones) zone_names.push_back(z);
      return Error::invalid(key, value, listed(zone_names), "no such zone " + request.zone);
    }
    return Error::invalid(key, value, listed(in_zone->second),
                          "host " + host + " is in zone " + zone + ", not in " + request.zone);
  }
  return host;
}

}  // namespace stratus::api
