// availability_zone with a forced host: Nova's parsing and Stratus's checks of the host.
#include "api/zone_request.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::api;

namespace {

std::map<std::string, HostRecord> twoHosts() {
  std::map<std::string, HostRecord> out;
  out["h1"].name = "h1";
  out["h1"].default_zone = "az1";
  out["h2"].name = "h2";
  out["h2"].default_zone = "az2";
  return out;
}

std::string forcedOrError(const std::string& value) {
  auto request = parseZoneRequest(value);
  if (!request) return request.error().message;
  auto host = forcedHostOf(*request, value, twoHosts(), {});
  return host ? *host : host.error().message;
}

}  // namespace

TEST_CASE("availability_zone parses as Nova does: ZONE, ZONE:HOST, ZONE::NODE, ZONE:HOST:NODE") {
  auto zone = parseZoneRequest("az1");
  REQUIRE(zone.ok());
  CHECK(zone->zone == "az1");
  CHECK_FALSE(zone->forcesHost());
  auto host = parseZoneRequest("az1:h1");
  REQUIRE(host.ok());
  CHECK((host->zone == "az1" && host->host == "h1" && host->node.empty()));
  auto node = parseZoneRequest("az1::h1");
  REQUIRE(node.ok());
  CHECK((node->zone == "az1" && node->host.empty() && node->node == "h1"));
  auto both = parseZoneRequest("az1:h1:h1");
  REQUIRE(both.ok());
  CHECK((both->host == "h1" && both->node == "h1"));
  auto bare = parseZoneRequest(":h1");
  REQUIRE(bare.ok());
  CHECK((bare->zone.empty() && bare->host == "h1"));
  auto bad = parseZoneRequest("az1:h1:h1:x");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "availability_zone='az1:h1:h1:x' is invalid: cannot be parsed; allowed: ZONE, ZONE:HOST, "
        "ZONE::NODE or ZONE:HOST:NODE");
}

TEST_CASE("a forced host must be a compute host of the zone asked for") {
  CHECK(forcedOrError("az1:h1") == "h1");
  CHECK(forcedOrError("az1::h1") == "h1");
  CHECK(forcedOrError("az1:h1:h1") == "h1");
  CHECK(forcedOrError(":h2") == "h2");
  CHECK(forcedOrError("az1") == "");
  CHECK(forcedOrError("az1:nohost") ==
        "availability_zone='az1:nohost' is invalid: no compute host named nohost; allowed: h1, h2");
  CHECK(forcedOrError("az1::nonode") ==
        "availability_zone='az1::nonode' is invalid: no compute node named nonode; allowed: h1, "
        "h2");
  CHECK(forcedOrError("az1:h1:h2") ==
        "availability_zone='az1:h1:h2' is invalid: node h2 is not host h1's (each Stratus host "
        "has one node, named as the host); allowed: h1");
  CHECK(forcedOrError("az1:h2") ==
        "availability_zone='az1:h2' is invalid: host h2 is in zone az2, not in az1; allowed: h1");
  CHECK(forcedOrError("nozone:h2") ==
        "availability_zone='nozone:h2' is invalid: no such zone nozone; allowed: az1, az2");
}
