// Availability zones on their own: a host's zone (aggregate over agent default over
// "nova"), the zone list, the member_of a requested zone becomes, zone names.
#include "api/availability_zones.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::api;

namespace {

AggregateRecord aggregate(int id, const std::string& uuid, std::vector<std::string> hosts,
                          const std::string& zone) {
  AggregateRecord a;
  a.id = id;
  a.uuid = uuid;
  a.name = "agg" + std::to_string(id);
  a.hosts = std::move(hosts);
  if (!zone.empty()) a.metadata["availability_zone"] = zone;
  return a;
}

std::map<std::string, HostRecord> hosts(
    std::initializer_list<std::pair<const char*, const char*>> l) {
  std::map<std::string, HostRecord> out;
  for (const auto& [name, zone] : l) {
    out[name].name = name;
    out[name].default_zone = zone;
  }
  return out;
}

}  // namespace

TEST_CASE("a host's zone: its AZ aggregate, else its agent's default, else nova") {
  std::map<int, AggregateRecord> aggs = {{1, aggregate(1, "u1", {"h1"}, "")},
                                         {2, aggregate(2, "u2", {"h1", "h2"}, "az1")}};
  CHECK(zoneOfHost("h1", "", aggs) == "az1");
  CHECK(zoneOfHost("h2", "edge", aggs) == "az1");
  CHECK(zoneOfHost("h3", "edge", aggs) == "edge");
  CHECK(zoneOfHost("h3", "", aggs) == "nova");
  CHECK(aggregateZone(aggs[1]).empty());
}

TEST_CASE("zones list every zone with its hosts, AZ aggregates without hosts too") {
  std::map<int, AggregateRecord> aggs = {{1, aggregate(1, "u1", {"h1"}, "az1")},
                                         {2, aggregate(2, "u2", {}, "empty")}};
  auto z = zoneHosts(hosts({{"h1", ""}, {"h2", ""}, {"h3", "edge"}}), aggs);
  CHECK(z == std::map<std::string, std::vector<std::string>>{
                 {"az1", {"h1"}}, {"empty", {}}, {"edge", {"h3"}}, {"nova", {"h2"}}});
}

TEST_CASE("a requested zone becomes one member_of value") {
  std::map<int, AggregateRecord> aggs = {{1, aggregate(1, "u1", {"h1"}, "az1")},
                                         {2, aggregate(2, "u2", {"h2"}, "az1")},
                                         {3, aggregate(3, "u3", {"h3"}, "az2")},
                                         {4, aggregate(4, "u4", {"h1"}, "")}};
  const auto h = hosts({{"h1", ""}, {"h2", ""}, {"h3", ""}, {"h4", ""}});
  CHECK(*memberOfForZone("az1", h, aggs) == "in:u1,u2");
  CHECK(*memberOfForZone("az2", h, aggs) == "in:u3");
  // The default zone: the hosts in no AZ aggregate (u4 carries no zone).
  CHECK(*memberOfForZone("nova", h, aggs) == "!in:u1,u2,u3");
  // No AZ aggregate at all: the default zone is every host, no restriction.
  CHECK(memberOfForZone("nova", h, {{4, aggs[4]}})->empty());
  auto unknown = memberOfForZone("mars", h, aggs);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == ErrorCode::kInvalidArgument);
  CHECK(unknown.error().message ==
        "availability_zone='mars' is invalid: no such zone; allowed: az1, az2, nova");
  auto none = memberOfForZone("nova", {}, {});
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message ==
        "availability_zone='nova' is invalid: no such zone; allowed: none yet");
}

TEST_CASE("zone names: 1 to 255 characters without ':'") {
  CHECK(checkZoneName("availability_zone", "az-1").ok());
  CHECK(checkZoneName("availability_zone", "a:b").error().message ==
        "availability_zone='a:b' is invalid; allowed: 1 to 255 characters without ':'");
  CHECK(checkZoneName("availability_zone", "").error().message ==
        "availability_zone='' is invalid; allowed: 1 to 255 characters without ':'");
  CHECK_FALSE(checkZoneName("availability_zone", std::string(256, 'z')).ok());
}
