// Availability zones (Nova's availability_zones.py and the scheduler's
// map_az_to_placement_aggregate), as pure functions over the API's records. A host is
// in the zone of the aggregate whose metadata "availability_zone" names one, else in
// the zone its agent reports ([DEFAULT] default_availability_zone), else in "nova".
//
// A zone chosen at server create becomes one placement member_of value:
// - a zone some aggregates carry: "in:<those aggregates' uuids>" (only their hosts);
// - a zone no aggregate carries but agents report as their default: "!in:<every AZ
//   aggregate>" (the hosts in no AZ aggregate). This is exact while every agent outside
//   the AZ aggregates reports the same default zone, which is how zones are deployed;
//   with different defaults the request may land on any host outside the AZ aggregates.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/model.h"
#include "common/result.h"
#include "common/zone_name.h"

namespace stratus::api {

class CloudState;

inline constexpr std::string_view kDefaultZone = "nova";  // Nova's default_availability_zone
inline constexpr std::string_view kZoneMetadataKey = "availability_zone";

// The zone an aggregate gives its hosts ("" when its metadata names none).
std::string aggregateZone(const AggregateRecord& a);
// The zone of `host`: the first AZ aggregate holding it (by id), else `reported_default`,
// else kDefaultZone.
std::string zoneOfHost(const std::string& host, const std::string& reported_default,
                       const std::map<int, AggregateRecord>& aggregates);
// Every zone that has a host, with its hosts sorted; zones of AZ aggregates that have no
// host yet appear with none (Nova lists those as unavailable).
std::map<std::string, std::vector<std::string>> zoneHosts(
    const std::map<std::string, HostRecord>& hosts,
    const std::map<int, AggregateRecord>& aggregates);
// The member_of value for a server asking for `zone` (see above); InvalidArgument
// "availability_zone='Z' is invalid: no such zone; allowed: A, B" for a zone that no
// host and no aggregate has.
Result<std::string> memberOfForZone(const std::string& zone,
                                    const std::map<std::string, HostRecord>& hosts,
                                    const std::map<int, AggregateRecord>& aggregates);
// An availability zone name: common/zone_name.h.
using ::stratus::checkZoneName;

// zoneOfHost on the state's records. The caller holds state.mu.
std::string hostZone(const CloudState& state, const std::string& host);

}  // namespace stratus::api
