// Every error code OpenStack Placement 8.0 tags an error with (placement/errors.py),
// pinned at the place Placement uses it (placement/lib.py, handlers/*.py), through
// handle(): the code a client reads in errors[0].code from 1.23 on.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "placement/service_under_test.h"

using namespace stratus;
using namespace stratus::placement;
using nlohmann::json;

namespace {

constexpr const char* kRp = "7b0a2a8e-0000-4000-8000-0000000000b1";
constexpr const char* kChild = "7b0a2a8e-0000-4000-8000-0000000000b2";
constexpr const char* kGhost = "7b0a2a8e-0000-4000-8000-0000000000bf";
constexpr const char* kConsumer = "7b0a2a8e-0000-4000-8000-0000000000d1";
constexpr const char* kProject = "7b0a2a8e-0000-4000-8000-0000000000e1";

std::string codeOf(const HttpResponse& res) {
  return json::parse(res.body)["errors"][0]["code"].get<std::string>();
}

std::string rpPath(const std::string& rest = "") {
  return std::string("/resource_providers/") + kRp + rest;
}

// cn1 with 8 VCPU (generation 1) and one consumer holding 2 of them.
void seed(ServiceUnderTest& s) {
  REQUIRE(
      s.call("POST", "/resource_providers", json{{"name", "cn1"}, {"uuid", kRp}}.dump()).status ==
      200);
  REQUIRE(s.call("PUT", rpPath("/inventories"),
                 json{{"resource_provider_generation", 0},
                      {"inventories", {{"VCPU", {{"total", 8}}}, {"DISK_GB", {{"total", 10}}}}}}
                     .dump())
              .status == 200);
  const json alloc = {{"allocations", {{kRp, {{"resources", {{"VCPU", 2}}}}}}},
                      {"project_id", kProject},
                      {"user_id", kProject},
                      {"consumer_generation", nullptr}};
  REQUIRE(s.call("PUT", std::string("/allocations/") + kConsumer, alloc.dump(), "1.28").status ==
          204);
}

}  // namespace

TEST_CASE("codes: allocation candidate query errors carry placement.query.*") {
  ServiceUnderTest s;
  auto get = [&](const std::string& q) {
    return s.call("GET", "/allocation_candidates?" + q, "", "1.36");
  };
  auto res = get("resources=VCPU:1&root_required=CUSTOM_A&root_required=CUSTOM_B");
  CHECK(res.status == 400);
  CHECK(codeOf(res) == "placement.query.duplicate_key");

  res = get("resources=VCPU:1&root_required=CUSTOM_A,!CUSTOM_A");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Conflicting required and forbidden traits found in root_required: CUSTOM_A");
  CHECK(codeOf(res) == "placement.query.bad_value");

  res = get("resources=VCPU:1&required_X=HW_CPU_X86_AVX");  // resourceless, not in same_subtree
  CHECK(res.status == 400);
  CHECK(codeOf(res) == "placement.query.bad_value");

  res = get("resources=VCPU:1&same_subtree=_X,_Y");  // suffixes no group has
  CHECK(res.status == 400);
  CHECK(codeOf(res) == "placement.query.bad_value");

  res = get("resources=VCPU:1&same_subtree=,_X");  // the unsuffixed group named
  CHECK(res.status == 400);
  CHECK(codeOf(res) == "placement.query.bad_value");

  res = get("required_X=HW_CPU_X86_AVX&same_subtree=_X");  // no group takes resources
  CHECK(res.status == 400);
  CHECK(codeOf(res) == "placement.query.missing_value");
}

TEST_CASE("codes: stale generations are placement.concurrent_update") {
  ServiceUnderTest s;
  seed(s);
  auto res =
      s.call("PUT", rpPath("/inventories"),
             json{{"resource_provider_generation", 0}, {"inventories", {{"VCPU", {{"total", 8}}}}}}
                 .dump());
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.concurrent_update");

  res = s.call("PUT", rpPath("/aggregates"),
               json{{"resource_provider_generation", 0}, {"aggregates", json::array()}}.dump());
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.concurrent_update");

  // The consumer exists (generation 1); a writer that believes it is new conflicts.
  const json again = {{"allocations", {{kRp, {{"resources", {{"VCPU", 1}}}}}}},
                      {"project_id", kProject},
                      {"user_id", kProject},
                      {"consumer_generation", nullptr}};
  res = s.call("PUT", std::string("/allocations/") + kConsumer, again.dump(), "1.28");
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.concurrent_update");
}

TEST_CASE("codes: inventory in use, provider in use, parent, duplicate name") {
  ServiceUnderTest s;
  seed(s);
  auto res = s.call("DELETE", rpPath("/inventories/VCPU"));
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.inventory.inuse");
  const int generation = json::parse(s.call("GET", rpPath()).body)["generation"];
  res = s.call("PUT", rpPath("/inventories"),
               json{{"resource_provider_generation", generation},
                    {"inventories", {{"DISK_GB", {{"total", 10}}}}}}
                   .dump());
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.inventory.inuse");

  res = s.call("DELETE", rpPath());
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.resource_provider.inuse");

  res = s.call("POST", "/resource_providers", json{{"name", "cn1"}}.dump());
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.duplicate_name");

  REQUIRE(s.call("DELETE", std::string("/allocations/") + kConsumer).status == 204);
  REQUIRE(s.call("POST", "/resource_providers",
                 json{{"name", "numa0"}, {"uuid", kChild}, {"parent_provider_uuid", kRp}}.dump())
              .status == 200);
  res = s.call("DELETE", rpPath());
  CHECK(res.status == 409);
  CHECK(codeOf(res) == "placement.resource_provider.cannot_delete_parent");
}

TEST_CASE("codes: only the reshaper's unknown provider is resource_provider.not_found") {
  ServiceUnderTest s;
  seed(s);
  auto res = s.call(
      "POST", "/reshaper",
      json{{"inventories",
            {{kGhost,
              {{"resource_provider_generation", 0}, {"inventories", {{"VCPU", {{"total", 1}}}}}}}}},
           {"allocations", json::object()}}
          .dump(),
      "1.30");
  CHECK(res.status == 400);
  CHECK(codeOf(res) == "placement.resource_provider.not_found");

  // Placement's 404s carry no code of their own.
  res = s.call("GET", std::string("/resource_providers/") + kGhost);
  CHECK(res.status == 404);
  CHECK(codeOf(res) == "placement.undefined_code");
  res = s.call("DELETE", std::string("/resource_providers/") + kGhost);
  CHECK(res.status == 404);
  CHECK(codeOf(res) == "placement.undefined_code");
}
