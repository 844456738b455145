// Host aggregate rules on their own: create/update bodies and actions with their exact
// messages, one zone per host, the provider aggregate list written back.
#include "api/aggregate_rules.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::api;
using nlohmann::json;

namespace {

std::string bodyMessage(const json& body, bool create) {
  auto r = parseAggregateBody(body, create);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  return r.error().message;
}

std::string actionMessage(const json& body) {
  auto r = parseAggregateAction(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  return r.error().message;
}

}  // namespace

TEST_CASE("aggregate create and update bodies") {
  auto c =
      parseAggregateBody({{"aggregate", {{"name", "a1"}, {"availability_zone", "az1"}}}}, true);
  REQUIRE(c.ok());
  CHECK(c->name == "a1");
  CHECK(c->zone == "az1");
  auto n =
      parseAggregateBody({{"aggregate", {{"name", "a1"}, {"availability_zone", nullptr}}}}, true);
  REQUIRE(n.ok());
  CHECK(n->zone == "");
  auto u = parseAggregateBody({{"aggregate", {{"availability_zone", "az2"}}}}, false);
  REQUIRE(u.ok());
  CHECK_FALSE(u->name.has_value());

  CHECK(bodyMessage({{"name", "a1"}}, true) ==
        "aggregate='' is invalid: the body needs an \"aggregate\" object; allowed: an object with "
        "name and availability_zone");
  CHECK(bodyMessage({{"aggregate", {{"availability_zone", "az1"}}}}, true) ==
        "name='' is invalid: name is required; allowed: a string of 1 to 255 characters");
  CHECK(bodyMessage({{"aggregate", {{"name", ""}}}}, true) ==
        "name='' is invalid; allowed: a string of 1 to 255 characters");
  CHECK(bodyMessage({{"aggregate", {{"name", "a"}, {"colour", "red"}}}}, true) ==
        "colour='red' is invalid: unknown key; allowed: name, availability_zone");
  CHECK(bodyMessage({{"aggregate", {{"name", "a"}, {"availability_zone", "a:b"}}}}, true) ==
        "availability_zone='a:b' is invalid; allowed: 1 to 255 characters without ':'");
  CHECK(bodyMessage({{"aggregate", {{"name", "a"}, {"availability_zone", 5}}}}, true) ==
        "availability_zone='5' is invalid; allowed: 1 to 255 characters without ':', or null");
  CHECK(bodyMessage({{"aggregate", json::object()}}, false) ==
        "aggregate='{}' is invalid: the update names neither name nor availability_zone; "
        "allowed: name, availability_zone");
}

TEST_CASE("aggregate actions") {
  auto add = parseAggregateAction({{"add_host", {{"host", "h1"}}}});
  REQUIRE(add.ok());
  CHECK(add->kind == AggregateAction::Kind::kAddHost);
  CHECK(add->host == "h1");
  auto meta = parseAggregateAction(
      {{"set_metadata", {{"metadata", {{"availability_zone", "az1"}, {"old", nullptr}}}}}});
  REQUIRE(meta.ok());
  CHECK(meta->metadata.at("availability_zone") == "az1");
  CHECK_FALSE(meta->metadata.at("old").has_value());

  CHECK(actionMessage({{"reboot", nullptr}}) ==
        "action='reboot' is invalid: unknown action; allowed: add_host, remove_host, set_metadata");
  CHECK(actionMessage(json::object()) ==
        "action='{}' is invalid: the body must hold exactly one action; allowed: add_host, "
        "remove_host, set_metadata");
  CHECK(actionMessage({{"add_host", {{"name", "h1"}}}}) ==
        "add_host='{\"name\":\"h1\"}' is invalid; allowed: {\"host\": HOST}");
  CHECK(actionMessage({{"remove_host", {{"host", ""}}}}) ==
        "host='' is invalid; allowed: a string of 1 to 255 characters");
  CHECK(actionMessage({{"set_metadata", {{"metadata", "x"}}}}) ==
        "set_metadata='{\"metadata\":\"x\"}' is invalid; allowed: {\"metadata\": {KEY: VALUE or "
        "null}}");
  CHECK(actionMessage({{"set_metadata", {{"metadata", {{"k", 1}}}}}}) ==
        "k='1' is invalid; allowed: a string of up to 255 characters, or null");
  CHECK(actionMessage({{"set_metadata", {{"metadata", {{"availability_zone", "a:b"}}}}}}) ==
        "availability_zone='a:b' is invalid; allowed: 1 to 255 characters without ':'");
}

TEST_CASE("a host is in one availability zone at most") {
  AggregateRecord a{1, "u1", "a", {"h1"}, {{"availability_zone", "az1"}}, "", ""};
  AggregateRecord b{2, "u2", "b", {"h1"}, {}, "", ""};
  CHECK(checkOneZonePerHost({{1, a}, {2, b}}).ok());
  b.metadata["availability_zone"] = "az1";
  CHECK(checkOneZonePerHost({{1, a}, {2, b}}).ok());
  b.metadata["availability_zone"] = "az2";
  auto s = checkOneZonePerHost({{1, a}, {2, b}});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "availability_zone='az2' is invalid: host h1 would be in two availability zones, az1 and "
        "az2; allowed: the zone host h1 is in: az1");
}

TEST_CASE("the provider's aggregates with one added or removed") {
  CHECK(providerAggregatesWith({"x", "y"}, "z", true) == std::vector<std::string>{"x", "y", "z"});
  CHECK(providerAggregatesWith({"x", "z"}, "z", true) == std::vector<std::string>{"x", "z"});
  CHECK(providerAggregatesWith({"x", "z", "y"}, "z", false) == std::vector<std::string>{"x", "y"});
}
