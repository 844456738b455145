// os-services and /limits decisions on their own: up or down, each update rule with
// its exact message, the legacy actions, the trait written back, delete refusals, the
// integer ids, the absolute limits per microversion.
#include "api/service_rules.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::api;
using nlohmann::json;

namespace {

std::string messageOf(const json& body) {
  auto r = parseServiceUpdate(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  return r.error().message;
}

std::string legacyMessage(const std::string& action, const json& body) {
  auto r = parseLegacyServiceAction(action, body);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

TEST_CASE("a service is up while heard of within service_down_time, never when forced down") {
  ServiceRecord s;
  CHECK(serviceUp(s, 1000, 1060, std::chrono::seconds(60)));
  CHECK_FALSE(serviceUp(s, 1000, 1061, std::chrono::seconds(60)));
  CHECK_FALSE(serviceUp(s, 0, 1000, std::chrono::seconds(60)));
  s.forced_down = true;
  CHECK_FALSE(serviceUp(s, 1000, 1000, std::chrono::seconds(60)));
}

TEST_CASE("service update: status, reason and forced_down as given") {
  auto d = parseServiceUpdate({{"status", "disabled"}, {"disabled_reason", "maintenance"}});
  REQUIRE(d.ok());
  CHECK(d->disabled == true);
  CHECK(d->disabled_reason == "maintenance");
  CHECK_FALSE(d->forced_down.has_value());
  auto e = parseServiceUpdate({{"status", "enabled"}});
  REQUIRE(e.ok());
  CHECK(e->disabled == false);
  CHECK_FALSE(e->disabled_reason.has_value());
  auto f = parseServiceUpdate({{"forced_down", true}});
  REQUIRE(f.ok());
  CHECK_FALSE(f->disabled.has_value());
  CHECK(f->forced_down == true);
}

TEST_CASE("service update: every refusal names key, value and what is allowed") {
  CHECK(messageOf({{"status", "off"}}) == "status='off' is invalid; allowed: enabled, disabled");
  CHECK(messageOf({{"status", 1}}) == "status='1' is invalid; allowed: enabled, disabled");
  CHECK(messageOf({{"colour", "red"}}) ==
        "colour='red' is invalid: unknown key; allowed: status, disabled_reason, forced_down");
  CHECK(messageOf({{"status", "disabled"}, {"disabled_reason", ""}}) ==
        "disabled_reason='' is invalid; allowed: a string of 1 to 255 characters");
  CHECK(messageOf({{"status", "disabled"}, {"disabled_reason", std::string(256, 'x')}}) ==
        "disabled_reason='" + std::string(256, 'x') +
            "' is invalid; allowed: a string of 1 to 255 characters");
  CHECK(messageOf({{"status", "disabled"}, {"disabled_reason", 7}}) ==
        "disabled_reason='7' is invalid; allowed: a string of 1 to 255 characters");
  CHECK(messageOf({{"status", "enabled"}, {"disabled_reason", "why"}}) ==
        "disabled_reason='why' is invalid: it is only taken together with status disabled; "
        "allowed: disabled_reason with status disabled");
  CHECK(messageOf({{"disabled_reason", "why"}}) ==
        "disabled_reason='why' is invalid: it is only taken together with status disabled; "
        "allowed: disabled_reason with status disabled");
  CHECK(messageOf({{"forced_down", "yes"}}) ==
        "forced_down='yes' is invalid; allowed: true, false");
  CHECK(messageOf(json::object()) ==
        "status='' is invalid: the body names neither status nor forced_down; allowed: status "
        "(enabled, disabled) or forced_down (true, false)");
}

TEST_CASE("legacy service actions before 2.53") {
  auto d = parseLegacyServiceAction(
      "disable-log-reason", {{"host", "h1"}, {"binary", "nova-compute"}, {"disabled_reason", "r"}});
  REQUIRE(d.ok());
  CHECK(d->action == LegacyServiceAction::kDisableLogReason);
  CHECK(d->host == "h1");
  CHECK(d->update.disabled == true);
  CHECK(d->update.disabled_reason == "r");
  auto e = parseLegacyServiceAction("enable", {{"host", "h1"}, {"binary", "nova-compute"}});
  REQUIRE(e.ok());
  CHECK(e->update.disabled == false);
  auto f = parseLegacyServiceAction(
      "force-down", {{"host", "h1"}, {"binary", "nova-compute"}, {"forced_down", true}});
  REQUIRE(f.ok());
  CHECK(f->update.forced_down == true);
  CHECK_FALSE(f->update.disabled.has_value());

  auto unknown = parseLegacyServiceAction("reboot", json::object());
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == ErrorCode::kNotFound);
  CHECK(unknown.error().message ==
        "Unknown action reboot; allowed: enable, disable, disable-log-reason, force-down");
  CHECK(legacyMessage("disable", {{"binary", "nova-compute"}}) ==
        "host='' is invalid: host is required; allowed: a string");
  CHECK(legacyMessage("disable", {{"host", 3}, {"binary", "nova-compute"}}) ==
        "host='3' is invalid; allowed: a string of 1 to 255 characters");
  CHECK(legacyMessage("disable", {{"host", "h"}, {"binary", "nova-compute"}, {"x", 1}}) ==
        "x='1' is invalid: unknown key; allowed: host, binary");
  CHECK(legacyMessage("disable-log-reason", {{"host", "h"}, {"binary", "nova-compute"}}) ==
        "disabled_reason='' is invalid: disable-log-reason needs a reason; allowed: a string of 1 "
        "to 255 characters");
  CHECK(legacyMessage("force-down", {{"host", "h"}, {"binary", "nova-compute"}}) ==
        "forced_down='' is invalid: force-down needs forced_down; allowed: true, false");
  CHECK(legacyMessage("force-down",
                      {{"host", "h"}, {"binary", "nova-compute"}, {"forced_down", 1}}) ==
        "forced_down='1' is invalid; allowed: true, false");
}

TEST_CASE("the disabled trait is added or removed, every other trait kept") {
  const std::set<std::string> current = {"CUSTOM_GOLD", "HW_ARCH_X86_64"};
  CHECK(traitsForStatus(current, true) ==
        std::set<std::string>{"COMPUTE_STATUS_DISABLED", "CUSTOM_GOLD", "HW_ARCH_X86_64"});
  CHECK(traitsForStatus(traitsForStatus(current, true), false) == current);
  CHECK(traitsForStatus(current, false) == current);
}

TEST_CASE("a service is deleted only when down, empty and without allocations") {
  ServiceRecord s;
  s.host = "h1";
  s.id = "6a5c2b1e-0000-4000-8000-000000000001";
  auto up = checkServiceDeletable(s, true, 0, {});
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().code == ErrorCode::kConflict);
  CHECK(up.error().message ==
        "Service 6a5c2b1e-0000-4000-8000-000000000001 on host h1 is up: stop its agent and wait "
        "until it shows down before deleting it.");
  auto placed = checkServiceDeletable(s, false, 2, {});
  REQUIRE_FALSE(placed.ok());
  CHECK(placed.error().message ==
        "Service 6a5c2b1e-0000-4000-8000-000000000001 on host h1 has 2 server(s) placed on it: "
        "delete them first.");
  auto held = checkServiceDeletable(s, false, 0, {"c1", "c2"});
  REQUIRE_FALSE(held.ok());
  CHECK(held.error().code == ErrorCode::kConflict);
  CHECK(held.error().message ==
        "Service 6a5c2b1e-0000-4000-8000-000000000001 on host h1: its resource providers hold "
        "allocations of c1, c2.");
  CHECK(checkServiceDeletable(s, false, 0, {}).ok());
}

TEST_CASE("integer service ids count up from the highest in use") {
  std::map<std::string, ServiceRecord> services;
  CHECK(nextServiceNumber(services) == 1);
  services["a"].number = 1;
  services["b"].number = 4;
  CHECK(nextServiceNumber(services) == 5);
}

TEST_CASE("absolute limits: unlimited maxima, the project's usage, fields by microversion") {
  std::map<std::string, ServerRecord> servers;
  servers["1"].project_id = "p";
  servers["1"].flavor.vcpus = 2;
  servers["1"].flavor.ram_mb = 512;
  servers["2"].project_id = "p";
  servers["2"].flavor.vcpus = 1;
  servers["2"].flavor.ram_mb = 128;
  servers["3"].project_id = "other";
  servers["3"].flavor.vcpus = 8;
  const json latest = absoluteLimits(servers, "p", 92);
  CHECK(latest == json{{"maxServerMeta", -1},
                       {"maxTotalCores", -1},
                       {"maxTotalInstances", -1},
                       {"maxTotalKeypairs", -1},
                       {"maxTotalRAMSize", -1},
                       {"maxServerGroups", -1},
                       {"maxServerGroupMembers", -1},
                       {"totalCoresUsed", 3},
                       {"totalInstancesUsed", 2},
                       {"totalRAMUsed", 640},
                       {"totalServerGroupsUsed", 0}});
  const json old = absoluteLimits(servers, "p", 1);
  CHECK(old.size() == latest.size() + 8);
  CHECK(old["maxTotalFloatingIps"] == -1);
  CHECK(old["maxImageMeta"] == -1);
  CHECK(old["maxPersonality"] == -1);
  CHECK(absoluteLimits(servers, "p", 36).contains("maxImageMeta"));
  CHECK_FALSE(absoluteLimits(servers, "p", 36).contains("maxSecurityGroups"));
  CHECK_FALSE(absoluteLimits(servers, "p", 39).contains("maxImageMeta"));
  CHECK(absoluteLimits(servers, "p", 56).contains("maxPersonalitySize"));
  CHECK_FALSE(absoluteLimits(servers, "p", 57).contains("maxPersonalitySize"));
  CHECK(absoluteLimits(servers, "nobody", 92)["totalInstancesUsed"] == 0);
}

TEST_CASE("[api] service_down_time is a whole number of seconds, 1 or more") {
  CHECK(parseServiceDownTime("60").value() == std::chrono::seconds(60));
  CHECK(parseServiceDownTime("007").value() == std::chrono::seconds(7));
  for (const char* bad : {"0", "", "-5", "1.5", "60s", "9999999999"}) {
    auto r = parseServiceDownTime(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "[api] service_down_time='" + std::string(bad) +
                                   "' is invalid; allowed: a whole number of seconds, 1 or more");
  }
}

TEST_CASE("[api] compute_link_prefix and image_public_endpoint are http(s) base URLs") {
  CHECK(parseLinkPrefix("[api] compute_link_prefix", "http://10.0.0.1:8774").value() ==
        "http://10.0.0.1:8774");
  CHECK(parseLinkPrefix("[api] compute_link_prefix", "https://cloud.example.com/compute/").value() ==
        "https://cloud.example.com/compute");
  for (const char* bad : {"", "10.0.0.1:8774", "ftp://h", "http://", "http://:8774",
                          "http://h:0", "http://h:99999", "http://h:x", "http://h/?a=1",
                          "http://h/#f", "http://h /"}) {
    auto r = parseLinkPrefix("[api] image_public_endpoint", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "[api] image_public_endpoint='" + std::string(bad) +
              "' is invalid; allowed: an http:// or https:// URL with a host, optional port and "
              "path, and no query, fragment or spaces (e.g. https://cloud.example.com:8774)");
  }
}
