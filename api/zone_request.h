// availability_zone at server create as Nova parses it (nova/compute/api.py
// _handle_availability_zone): "ZONE", "ZONE:HOST", "ZONE::NODE" or "ZONE:HOST:NODE".
// A host or node forces the server there; Nova's policy
// os_compute_api:servers:create:forced_host allows that to admins only by default
// (servers.cpp answers 403 to others). A Stratus host has one compute node, named as the
// host (os-hypervisors), so a node names its host.
#pragma once

#include <map>
#include <string>

#include "api/model.h"
#include "common/result.h"

namespace stratus::api {

struct ZoneRequest {
  std::string zone;  // "" with ":HOST": no zone asked for, only the host
  std::string host;
  std::string node;
  bool forcesHost() const { return !host.empty() || !node.empty(); }
};

// More than two ':' is InvalidArgument "availability_zone='a:b:c:d' is invalid: cannot be
// parsed; allowed: ZONE, ZONE:HOST, ZONE::NODE or ZONE:HOST:NODE".
Result<ZoneRequest> parseZoneRequest(const std::string& value);

// The host a request forces, checked against the reported hosts and the zones
// (api/availability_zones.h), each an InvalidArgument keyed availability_zone with the
// whole value: a host (or node) no agent reports ("no compute host named X; allowed:
// <hosts>"), a node that is not the host's, a host outside the zone asked for ("host X is
// in zone Y, not in Z; allowed: <the zone's hosts>"). "" when nothing is forced.
Result<std::string> forcedHostOf(const ZoneRequest& request, const std::string& value,
                                 const std::map<std::string, HostRecord>& hosts,
                                 const std::map<int, AggregateRecord>& aggregates);

}  // namespace stratus::api
