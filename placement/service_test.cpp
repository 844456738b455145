// The service's request handling in process, over a real SQLite store: the
// validation rules that Placement's own gabbits do not pin down, each with the
// exact status and message a client sees.
#include "placement/service.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "placement/service_under_test.h"
#include "placement/store.h"

using namespace stratus;
using namespace stratus::placement;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kRp = "7b0a2a8e-0000-4000-8000-0000000000a1";
constexpr const char* kConsumer = "7b0a2a8e-0000-4000-8000-0000000000c1";

void seedProvider(ServiceUnderTest& s) {
  REQUIRE(
      s.call("POST", "/resource_providers", json{{"name", "cn1"}, {"uuid", kRp}}.dump()).status ==
      200);
  REQUIRE(s.call("PUT", std::string("/resource_providers/") + kRp + "/inventories",
                 json{{"resource_provider_generation", 0},
                      {"inventories", {{"VCPU", {{"total", 8}}}, {"DISK_GB", {{"total", 100}}}}}}
                     .dump())
              .status == 200);
}

std::string allocationBody(const json& mappings) {
  json body = {{"allocations", {{kRp, {{"resources", {{"VCPU", 1}}}}}}},
               {"consumer_generation", nullptr},
               {"project_id", "p"},
               {"user_id", "u"},
               {"consumer_type", "INSTANCE"}};
  if (!mappings.is_null()) body["mappings"] = mappings;
  return body.dump();
}

}  // namespace

TEST_CASE("allocation mappings are checked as Placement's 1.34 schema checks them") {
  ServiceUnderTest s;
  seedProvider(s);
  const std::string path = std::string("/allocations/") + kConsumer;

  auto res = s.call("PUT", path, allocationBody(json::object()));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find(
            "JSON does not validate: {} does not have enough properties") != std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", json::array()}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find("JSON does not validate: [] is too short") !=
        std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", {"not-a-uuid"}}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find(
            "JSON does not validate: 'not-a-uuid' is not a 'uuid'") != std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", {7}}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find("JSON does not validate: 7 is not of type 'string'") !=
        std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", "beta"}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find(
            "JSON does not validate: 'beta' is not of type 'array'") != std::string::npos);

  // None of those took anything; a good mapping does.
  CHECK(s.call("GET", path).body.find(kRp) == std::string::npos);
  CHECK(s.call("PUT", path, allocationBody({{"_1", {kRp}}})).status == 204);
}

TEST_CASE("allocation candidate query keys are named with the patterns of the microversion") {
  ServiceUnderTest s;
  auto res = s.call("GET", "/allocation_candidates?resources=VCPU:1&bogus=1", "", "1.24");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Invalid query string parameters: Additional properties are not allowed ('bogus' was "
        "unexpected)");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&in_tree1=x", "", "1.30");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Invalid query string parameters: 'in_tree1' does not match any of the regexes: "
        "'^member_of([1-9][0-9]*)?$', '^required([1-9][0-9]*)?$', '^resources([1-9][0-9]*)?$'");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&resources_x=VCPU:1", "", "1.32");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Invalid query string parameters: 'resources_x' does not match any of the regexes: "
        "'^in_tree([1-9][0-9]*)?$', '^member_of([1-9][0-9]*)?$', '^required([1-9][0-9]*)?$', "
        "'^resources([1-9][0-9]*)?$'");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&root_required=A&root_required=B");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Query parameter 'root_required' may be specified only once.");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&limit=0");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).starts_with(
      "Invalid query string parameters: '0' does not match '^[1-9][0-9]*$'"));

  res = s.call("GET", "/allocation_candidates?required=HW_CPU_X86_AVX", "", "1.36");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "There must be at least one resources or resources[$S] parameter.");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&member_of=a,b");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' keyword using "
        "the valid microversion. Got: a,b");
}

TEST_CASE("a limit beyond any integer is no limit rather than an error or a crash") {
  ServiceUnderTest s;
  seedProvider(s);
  auto res =
      s.call("GET", "/allocation_candidates?resources=VCPU:1&limit=99999999999999999999999999");
  CHECK(res.status == 200);
  CHECK(json::parse(res.body)["allocation_requests"].size() == 1);
}

TEST_CASE("an in-use message lists classes in Placement's class order, not by name") {
  ServiceUnderTest s;
  seedProvider(s);
  REQUIRE(s.call("PUT", std::string("/allocations/") + kConsumer,
                 json{{"allocations", {{kRp, {{"resources", {{"VCPU", 1}, {"DISK_GB", 1}}}}}}},
                      {"consumer_generation", nullptr},
                      {"project_id", "p"},
                      {"user_id", "u"},
                      {"consumer_type", "INSTANCE"}}
                     .dump())
              .status == 204);
  auto res = s.call("DELETE", std::string("/resource_providers/") + kRp + "/inventories");
  CHECK(res.status == 409);
  CHECK(ServiceUnderTest::detail(res) == std::string("Inventory for 'VCPU, DISK_GB' on resource "
                                                     "provider '") +
                                             kRp + "' in use.");
}

TEST_CASE("a query that is not UTF-8 is echoed with replacement characters, not a failure") {
  ServiceUnderTest s;
  auto res = s.call("GET", "/allocation_candidates?resources=VCPU:1&limit=%FF%00");
  CHECK(res.status == 400);
  CHECK(
      ServiceUnderTest::detail(res).starts_with("Invalid query string parameters: '\xEF\xBF\xBD"));
}

TEST_CASE("token auth: versions are public, unknown tokens get 401, readers 403 on writes") {
  ServiceOptions options;
  options.auth = AuthMode::kToken;
  options.tokens = {{"s3cret-admin", "admin"}, {"s3cret-reader", "reader"}};
  ServiceUnderTest s(options);
  const std::string create = json{{"name", "cn1"}, {"uuid", kRp}}.dump();

  CHECK(s.call("GET", "/", "", "latest", std::nullopt).status == 200);
  auto res = s.call("GET", "/resource_providers", "", "latest", std::nullopt);
  CHECK(res.status == 401);
  CHECK(ServiceUnderTest::detail(res) == "The X-Auth-Token is missing or not valid.");
  res = s.call("GET", "/resource_providers", "", "latest", "admin");  // a noauth2 token
  CHECK(res.status == 401);

  res = s.call("POST", "/resource_providers", create, "latest", "s3cret-reader");
  CHECK(res.status == 403);
  CHECK(ServiceUnderTest::detail(res) == "Policy does not allow this request to be performed.");
  CHECK(s.call("POST", "/resource_providers", create, "latest", "s3cret-admin").status == 200);
  res = s.call("GET", "/resource_providers", "", "latest", "s3cret-reader");
  CHECK(res.status == 200);
  CHECK(json::parse(res.body)["resource_providers"].size() == 1);
}

TEST_CASE("from 1.36 a group without resources must be tied to others by same_subtree") {
  ServiceUnderTest s;
  auto detailOf = [&](const std::string& query) {
    auto res = s.call("GET", "/allocation_candidates?" + query, "", "1.36");
    CHECK(res.status == 400);
    return ServiceUnderTest::detail(res);
  };
  CHECK(detailOf("resources=VCPU:1&required_X=HW_CPU_X86_AVX") ==
        "Resourceless suffixed group request should be specified in `same_subtree` query "
        "param: bad group(s) - ['_X'].");
  CHECK(detailOf("required=HW_CPU_X86_AVX&resources_A=VCPU:1&same_subtree=_A") ==
        "Resourceless suffixed group request should be specified in `same_subtree` query "
        "param: bad group(s) - [''].");
  CHECK(detailOf("resources=VCPU:1&same_subtree=_X,_Y&same_subtree=_X") ==
        "Real suffixes should be specified in `same_subtree`: ['_X', '_Y'] not found in [''].");
  CHECK(detailOf("resources=VCPU:1&same_subtree=,_X") ==
        "Empty string (unsuffixed group) can not be specified in `same_subtree`");
  CHECK(detailOf("required_X=HW_CPU_X86_AVX&same_subtree=_X") ==
        "There must be at least one resources or resources[$S] parameter.");
  CHECK(
      detailOf("resources_A=VCPU:1&required_X=CUSTOM_NOPE&same_subtree=_A,_X&group_policy=none") ==
      "No such trait(s): CUSTOM_NOPE.");
  // Before 1.36 the same group is an orphan.
  auto old = s.call("GET", "/allocation_candidates?resources=VCPU:1&required_X=HW_CPU_X86_AVX", "",
                    "1.35");
  CHECK(old.status == 400);
  CHECK(ServiceUnderTest::detail(old) ==
        "All traits parameters must be associated with resources.  Found the following orphaned "
        "traits keys: required_X");
}

TEST_CASE("a resourceless group is served by a provider of the same subtree and takes nothing") {
  ServiceUnderTest s;
  auto make = [&](const std::string& uuid, const std::string& name, const std::string& parent) {
    json body = {{"name", name}, {"uuid", uuid}};
    if (!parent.empty()) body["parent_provider_uuid"] = parent;
    REQUIRE(s.call("POST", "/resource_providers", body.dump()).status == 200);
  };
  auto traits = [&](const std::string& uuid, const json& names) {
    REQUIRE(s.call("PUT", "/resource_providers/" + uuid + "/traits",
                   json{{"resource_provider_generation", 0}, {"traits", names}}.dump())
                .status == 200);
  };
  const std::string cn1 = "7b0a2a8e-0000-4000-8000-0000000001a1";
  const std::string nic_a = "7b0a2a8e-0000-4000-8000-0000000001b1";
  const std::string nic_b = "7b0a2a8e-0000-4000-8000-0000000001b2";
  const std::string cn2 = "7b0a2a8e-0000-4000-8000-0000000002a1";
  const std::string nic_c = "7b0a2a8e-0000-4000-8000-0000000002b1";
  make(cn1, "cn1", "");
  make(nic_a, "cn1-nic-a", cn1);
  make(nic_b, "cn1-nic-b", cn1);
  make(cn2, "cn2", "");
  make(nic_c, "cn2-nic-c", cn2);
  REQUIRE(s.call("PUT", "/traits/CUSTOM_PHYSNET_A").status == 201);
  REQUIRE(s.call("PUT", "/traits/CUSTOM_PHYSNET_B").status == 201);
  traits(nic_a, {"CUSTOM_PHYSNET_A"});
  traits(nic_b, {"CUSTOM_PHYSNET_B"});
  traits(nic_c, {"CUSTOM_PHYSNET_B"});
  for (const auto& cn : {cn1, cn2}) {
    REQUIRE(s.call("PUT", "/resource_providers/" + cn + "/inventories",
                   json{{"resource_provider_generation", 0},
                        {"inventories", {{"VCPU", {{"total", 8}}}}}}
                       .dump())
                .status == 200);
  }

  auto res = s.call("GET",
                    "/allocation_candidates?resources_COMPUTE=VCPU:1&required_NIC=CUSTOM_PHYSNET_A"
                    "&same_subtree=_COMPUTE,_NIC&group_policy=none",
                    "", "1.36");
  REQUIRE(res.status == 200);
  const json body = json::parse(res.body);
  CHECK(body["allocation_requests"] ==
        json::array({{{"allocations", {{cn1, {{"resources", {{"VCPU", 1}}}}}}},
                      {"mappings", {{"_COMPUTE", {cn1}}, {"_NIC", {nic_a}}}}}}));
  // The whole tree is summarized; cn2's is not.
  CHECK(body["provider_summaries"].size() == 3);
  CHECK(body["provider_summaries"].contains(nic_a));
  CHECK(!body["provider_summaries"].contains(cn2));

  // PHYSNET_B is on a child of both computes: two candidates, one per tree.
  res = s.call("GET",
               "/allocation_candidates?resources_COMPUTE=VCPU:1&required_NIC=CUSTOM_PHYSNET_B"
               "&same_subtree=_COMPUTE,_NIC&group_policy=isolate",
               "", "1.36");
  REQUIRE(res.status == 200);
  const json requests = json::parse(res.body)["allocation_requests"];
  REQUIRE(requests.size() == 2);
  CHECK(requests[0]["mappings"]["_NIC"] == json{nic_b});
  CHECK(requests[1]["mappings"]["_NIC"] == json{nic_c});

  // same_subtree holds: a NIC of another tree never serves cn1's group, and a
  // group tied to a sibling (not an ancestor) finds nothing.
  res = s.call("GET",
               "/allocation_candidates?resources_COMPUTE=VCPU:1&required_NA=CUSTOM_PHYSNET_A"
               "&required_NB=CUSTOM_PHYSNET_B&same_subtree=_NA,_NB&same_subtree=_COMPUTE,_NA"
               "&group_policy=none",
               "", "1.36");
  REQUIRE(res.status == 200);
  CHECK(json::parse(res.body)["allocation_requests"].empty());
}

TEST_CASE("candidate summaries follow claims, inventory and trait changes at once") {
  ServiceUnderTest s;
  seedProvider(s);
  const std::string rp = std::string("/resource_providers/") + kRp;
  auto summary = [&](const std::string& version = "latest") {
    auto res = s.call("GET", "/allocation_candidates?resources=VCPU:1", "", version);
    REQUIRE(res.status == 200);
    return json::parse(res.body)["provider_summaries"][kRp];
  };
  CHECK(summary() ==
        json::parse(std::string(R"({"resources": {"DISK_GB": {"capacity": 100, "used": 0},
      "VCPU": {"capacity": 8, "used": 0}}, "traits": [], "parent_provider_uuid": null,
      "root_provider_uuid": ")") +
                    kRp + "\"}"));

  REQUIRE(s.call("PUT", std::string("/allocations/") + kConsumer, allocationBody(nullptr)).status ==
          204);
  CHECK(summary()["resources"]["VCPU"] == json{{"capacity", 8}, {"used", 1}});

  REQUIRE(s.call("PUT", rp + "/traits",
                 json{{"resource_provider_generation", 2}, {"traits", {"HW_CPU_X86_AVX2"}}}.dump())
              .status == 200);
  CHECK(summary()["traits"] == json{"HW_CPU_X86_AVX2"});
  // Before 1.27 only the requested classes are summarized; before 1.29 no tree.
  CHECK(summary("1.26") == json{{"resources", {{"VCPU", {{"capacity", 8}, {"used", 1}}}}},
                                {"traits", {"HW_CPU_X86_AVX2"}}});

  REQUIRE(s.call("PUT", rp + "/inventories/VCPU",
                 json{{"resource_provider_generation", 3}, {"total", 16}, {"allocation_ratio", 2.0}}
                     .dump())
              .status == 200);
  CHECK(summary()["resources"]["VCPU"] == json{{"capacity", 32}, {"used", 1}});

  REQUIRE(s.call("DELETE", std::string("/allocations/") + kConsumer).status == 204);
  CHECK(summary()["resources"]["VCPU"] == json{{"capacity", 32}, {"used", 0}});
}

TEST_CASE("a claim that leaves too little room takes the provider out of candidates at once") {
  ServiceUnderTest s;
  seedProvider(s);  // VCPU 8
  auto candidates = [&](const std::string& query) {
    auto res = s.call("GET", "/allocation_candidates?" + query);
    REQUIRE(res.status == 200);
    return json::parse(res.body)["allocation_requests"].size();
  };
  CHECK(candidates("resources=VCPU:8") == 1);
  REQUIRE(s.call("PUT", std::string("/allocations/") + kConsumer, allocationBody(nullptr)).status ==
          204);  // one VCPU taken
  CHECK(candidates("resources=VCPU:8") == 0);
  CHECK(candidates("resources=VCPU:7") == 1);
  CHECK(candidates("resources=VCPU:7,DISK_GB:100") == 1);
  CHECK(candidates("resources=VCPU:7,DISK_GB:101") == 0);
  // A class the provider has never had finds nobody rather than failing.
  CHECK(candidates("resources=VCPU:1,MEMORY_MB:1") == 0);
  REQUIRE(s.call("DELETE", std::string("/allocations/") + kConsumer).status == 204);
  CHECK(candidates("resources=VCPU:8") == 1);
  // An inventory change is seen as soon as it is answered.
  REQUIRE(s.call("PUT", std::string("/resource_providers/") + kRp + "/inventories/VCPU",
                 json{{"resource_provider_generation", 2}, {"total", 8}, {"max_unit", 4}}.dump())
              .status == 200);
  CHECK(candidates("resources=VCPU:8") == 0);
  CHECK(candidates("resources=VCPU:4") == 1);
}

TEST_CASE("names in a candidate query are looked up after its shape is accepted, as Placement") {
  ServiceUnderTest s;
  seedProvider(s);
  auto answer = [&](const std::string& query) {
    auto res = s.call("GET", "/allocation_candidates?" + query);
    if (res.status != 200) return std::to_string(res.status) + " " + ServiceUnderTest::detail(res);
    return std::to_string(res.status) + " " +
           std::to_string(json::parse(res.body)["allocation_requests"].size());
  };
  // A missing group_policy is found before an unknown trait or class.
  CHECK(answer("resources1=VCPU:1&required1=CUSTOM_NOPE&resources2=CUSTOM_NONE:1") ==
        "400 The \"group_policy\" parameter is required when specifying more than one "
        "\"resources{N}\" parameter.");
  // Conflicting required and forbidden traits are a parse error, found first.
  CHECK(answer("resources=VCPU:1&required=CUSTOM_NOPE,!CUSTOM_NOPE") ==
        "400 Conflicting required and forbidden traits found "
        "in the following traits keys: required: (CUSTOM_NOPE)");
  CHECK(answer("resources=VCPU:1&required=HW_CPU_X86_AVX,!HW_CPU_X86_AVX&resources1=VCPU:1"
               "&required1=in:CUSTOM_B,CUSTOM_C&required1=!CUSTOM_B,!CUSTOM_C&group_policy=none") ==
        "400 Conflicting required and forbidden traits found in the following traits keys: "
        "required1: (CUSTOM_B, CUSTOM_C), required: (HW_CPU_X86_AVX)");
  // Only an any-of set that is forbidden whole conflicts.
  CHECK(answer("resources=VCPU:1&required=in:HW_CPU_X86_AVX,CUSTOM_NOPE&required=!CUSTOM_NOPE") ==
        "400 No such trait(s): CUSTOM_NOPE.");
  CHECK(answer("resources=CUSTOM_NONE:1&root_required=CUSTOM_A,!CUSTOM_A") ==
        "400 Conflicting required and forbidden traits found in root_required: CUSTOM_A");
  CHECK(answer("resources=VCPU:1&required=CUSTOM_NOPE&root_required=CUSTOM_GONE") ==
        "400 No such trait(s): CUSTOM_GONE.");
  // Group by group, in the order the groups first appear; classes before traits.
  CHECK(answer("required2=CUSTOM_NOPE&resources2=VCPU:1&resources1=CUSTOM_NONE:1"
               "&group_policy=none") == "400 No such trait(s): CUSTOM_NOPE.");
  CHECK(answer("resources=CUSTOM_NONE:1,VCPU:1&required=CUSTOM_NOPE") ==
        "400 Invalid resource class in resources parameter: No such resource class CUSTOM_NONE.");
  // Placement stops with no candidates where root_required fits no root or a
  // member_of names no provider, before the names after that point.
  CHECK(answer("resources=CUSTOM_NONE:1&root_required=HW_CPU_X86_AVX") == "200 0");
  CHECK(answer("resources=VCPU:1&required=CUSTOM_NOPE&member_of=" + std::string(kConsumer)) ==
        "200 0");
  CHECK(answer("resources=CUSTOM_NONE:1&member_of=" + std::string(kConsumer)) ==
        "400 Invalid resource class in resources parameter: No such resource class CUSTOM_NONE.");
  CHECK(answer("resources=VCPU:1&required=CUSTOM_NOPE&root_required=!HW_CPU_X86_AVX") ==
        "400 No such trait(s): CUSTOM_NOPE.");
  CHECK(answer("resources=VCPU:1&root_required=!HW_CPU_X86_AVX") == "200 1");
}

TEST_CASE("provider trait PUT: a stale generation is found before unknown traits") {
  ServiceUnderTest s;
  seedProvider(s);  // generation 1
  const std::string traits = std::string("/resource_providers/") + kRp + "/traits";
  auto stale = s.call(
      "PUT", traits, json{{"resource_provider_generation", 0}, {"traits", {"CUSTOM_NOPE"}}}.dump());
  CHECK(stale.status == 409);
  CHECK(json::parse(stale.body)["errors"][0]["code"] == "placement.concurrent_update");
  auto unknown = s.call(
      "PUT", traits,
      json{{"resource_provider_generation", 1}, {"traits", {"CUSTOM_NOPE", "CUSTOM_ALSO_NOPE"}}}
          .dump());
  CHECK(unknown.status == 400);
  CHECK(ServiceUnderTest::detail(unknown) == "No such trait CUSTOM_ALSO_NOPE, CUSTOM_NOPE");
}

TEST_CASE("the service's clock stamps Last-Modified of what it writes and of documents it makes") {
  SimulatedClock clock;  // 2027-01-15T08:00:00Z
  ServiceUnderTest s({}, clock);
  REQUIRE(
      s.call("POST", "/resource_providers", json{{"name", "cn1"}, {"uuid", kRp}}.dump()).status ==
      200);
  clock.advance(std::chrono::hours(1));
  const std::string path = std::string("/resource_providers/") + kRp;
  CHECK(s.call("GET", path).header("last-modified") == "Fri, 15 Jan 2027 08:00:00 GMT");
  CHECK(s.call("GET", "/traits").header("last-modified") == "Fri, 15 Jan 2027 09:00:00 GMT");
}
