// The order traits are listed in, through the service: Placement's trait id order
// (placement/trait_order.h), checked against OpenStack Placement 8.0 with the same
// provider: summaries and GET of a provider's traits list standard traits first and
// custom ones in creation order; a PUT answers by name.
#include "placement/trait_order.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "placement/service.h"
#include "placement/store.h"

using namespace stratus::placement;
using nlohmann::json;

namespace {

constexpr const char* kRp = "7b0a2a8e-0000-4000-8000-00000000e001";

HttpResponse call(PlacementService& s, const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& version = "1.39") {
  HttpRequest r;
  r.method = method;
  REQUIRE(stratus::http::splitTarget(target, r.path, r.query));
  r.headers["x-auth-token"] = "admin";
  r.headers["openstack-api-version"] = "placement " + version;
  r.headers["accept"] = "application/json";
  if (!body.empty()) r.headers["content-type"] = "application/json";
  r.body = body;
  return s.handle(r);
}

// A provider with two standard traits and three custom ones, created out of
// alphabetical order.
void seed(PlacementService& s) {
  REQUIRE(
      call(s, "POST", "/resource_providers", json{{"name", "cn"}, {"uuid", kRp}}.dump()).status ==
      200);
  REQUIRE(
      call(s, "PUT", std::string("/resource_providers/") + kRp + "/inventories",
           json{{"resource_provider_generation", 0}, {"inventories", {{"VCPU", {{"total", 4}}}}}}
               .dump())
          .status == 200);
  for (const char* t : {"CUSTOM_ZETA", "CUSTOM_ALPHA", "CUSTOM_MID"}) {
    REQUIRE(call(s, "PUT", std::string("/traits/") + t).status == 201);
  }
  auto res = call(s, "PUT", std::string("/resource_providers/") + kRp + "/traits",
                  json{{"resource_provider_generation", 1},
                       {"traits",
                        {"CUSTOM_ALPHA", "HW_CPU_X86_AVX2", "CUSTOM_ZETA",
                         "COMPUTE_VOLUME_MULTI_ATTACH", "CUSTOM_MID"}}}
                      .dump());
  REQUIRE(res.status == 200);
  // By name, as Placement answers a PUT.
  CHECK(json::parse(res.body)["traits"] == json{"COMPUTE_VOLUME_MULTI_ATTACH", "CUSTOM_ALPHA",
                                                "CUSTOM_MID", "CUSTOM_ZETA", "HW_CPU_X86_AVX2"});
}

// Standard ones in the catalog's order, then custom ones as created.
const json kIdOrder = {"COMPUTE_VOLUME_MULTI_ATTACH", "HW_CPU_X86_AVX2", "CUSTOM_ZETA",
                       "CUSTOM_ALPHA", "CUSTOM_MID"};

void checkOrder(PlacementService& s) {
  auto res = call(s, "GET", "/allocation_candidates?resources=VCPU:1");
  REQUIRE(res.status == 200);
  CHECK(json::parse(res.body)["provider_summaries"][kRp]["traits"] == kIdOrder);
  res = call(s, "GET", std::string("/resource_providers/") + kRp + "/traits");
  REQUIRE(res.status == 200);
  CHECK(json::parse(res.body)["traits"] == kIdOrder);
  res = call(s, "GET", "/traits?name=startswith:CUSTOM_");
  REQUIRE(res.status == 200);
  CHECK(json::parse(res.body)["traits"] == json{"CUSTOM_ZETA", "CUSTOM_ALPHA", "CUSTOM_MID"});
}

std::unique_ptr<PlacementService> open(const std::filesystem::path& db) {
  auto store = openStore("sqlite://" + db.string());
  REQUIRE(store.ok());
  auto service = PlacementService::create(std::move(*store), ServiceOptions{});
  REQUIRE(service.ok());
  return std::move(*service);
}

}  // namespace

TEST_CASE("traits are listed in Placement's id order, and keep it across a restart") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("stratus-trait-order-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto s = open(dir / "p.db");
    seed(*s);
    checkOrder(*s);
  }
  {
    auto s = open(dir / "p.db");
    checkOrder(*s);
    // A custom trait deleted and made again is the newest.
    REQUIRE(call(*s, "PUT", "/traits/CUSTOM_OMEGA").status == 201);
    REQUIRE(call(*s, "DELETE", "/traits/CUSTOM_OMEGA").status == 204);
    REQUIRE(call(*s, "PUT", "/traits/CUSTOM_BETA").status == 201);
    REQUIRE(call(*s, "PUT", "/traits/CUSTOM_OMEGA").status == 201);
  }
  auto s = open(dir / "p.db");
  auto res = call(*s, "GET", "/traits?name=startswith:CUSTOM_");
  REQUIRE(res.status == 200);
  CHECK(json::parse(res.body)["traits"] ==
        json{"CUSTOM_ZETA", "CUSTOM_ALPHA", "CUSTOM_MID", "CUSTOM_BETA", "CUSTOM_OMEGA"});
  s.reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("TraitOrder: standard traits by catalog, custom ones after them as created") {
  TraitOrder order({"CUSTOM_B", "CUSTOM_A"});
  CHECK(order.sorted({"CUSTOM_A", "HW_CPU_X86_AVX", "CUSTOM_B", "COMPUTE_ACCELERATORS"}) ==
        std::vector<std::string>{"COMPUTE_ACCELERATORS", "HW_CPU_X86_AVX", "CUSTOM_B", "CUSTOM_A"});
  order.addCustom("CUSTOM_A");  // exists: keeps its place
  order.addCustom("CUSTOM_0");
  CHECK(order.custom() == std::vector<std::string>{"CUSTOM_B", "CUSTOM_A", "CUSTOM_0"});
  order.eraseCustom("CUSTOM_B");
  CHECK_FALSE(order.hasCustom("CUSTOM_B"));
  CHECK(order.custom() == std::vector<std::string>{"CUSTOM_A", "CUSTOM_0"});
}
