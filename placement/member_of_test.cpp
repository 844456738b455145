// member_of on provider trees, through the service: how many allocation candidates
// each query gives. The expected counts are what OpenStack Placement 8.0 answers for
// the same providers (measured against the peer in ../shared/peers/placement).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "placement/service_under_test.h"

using namespace stratus::placement;
using nlohmann::json;

namespace {

constexpr const char* kAggA = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* kAggB = "bbbbbbbb-0000-4000-8000-000000000001";
constexpr const char* kAggC = "cccccccc-0000-4000-8000-000000000001";
constexpr const char* kAggShare = "dddddddd-0000-4000-8000-000000000001";
constexpr const char* kAggRoot = "eeeeeeee-0000-4000-8000-000000000001";
constexpr const char* kAggFar = "ffffffff-0000-4000-8000-000000000001";

class Fleet {
 public:
  void provider(const std::string& uuid, const std::string& name, const std::string& parent = "") {
    json body = {{"name", name}, {"uuid", uuid}};
    if (!parent.empty()) body["parent_provider_uuid"] = parent;
    REQUIRE(s.call("POST", "/resource_providers", body.dump()).status == 200);
  }
  void inventory(const std::string& uuid, const json& inventories) {
    REQUIRE(s.call("PUT", "/resource_providers/" + uuid + "/inventories",
                   json{{"resource_provider_generation", generation(uuid)},
                        {"inventories", inventories}}
                       .dump())
                .status == 200);
  }
  void aggregates(const std::string& uuid, const json& aggs) {
    REQUIRE(
        s.call(
             "PUT", "/resource_providers/" + uuid + "/aggregates",
             json{{"resource_provider_generation", generation(uuid)}, {"aggregates", aggs}}.dump(),
             "1.19")
            .status == 200);
  }
  void traits(const std::string& uuid, const json& names) {
    REQUIRE(
        s.call("PUT", "/resource_providers/" + uuid + "/traits",
               json{{"resource_provider_generation", generation(uuid)}, {"traits", names}}.dump())
            .status == 200);
  }
  // Number of allocation requests for the query at 1.32 (forbidden aggregates).
  std::size_t candidates(const std::string& query) {
    auto res = s.call("GET", "/allocation_candidates?" + query, "", "1.32");
    INFO(query << " -> " << res.body);
    REQUIRE(res.status == 200);
    return json::parse(res.body)["allocation_requests"].size();
  }
  std::set<std::string> listed(const std::string& query) {
    auto res = s.call("GET", "/resource_providers?" + query, "", "1.32");
    INFO(query << " -> " << res.body);
    REQUIRE(res.status == 200);
    std::set<std::string> names;
    const json body = json::parse(res.body);
    for (const auto& p : body["resource_providers"]) names.insert(p["name"].get<std::string>());
    return names;
  }

  ServiceUnderTest s;

 private:
  std::int64_t generation(const std::string& uuid) {
    auto res = s.call("GET", "/resource_providers/" + uuid);
    REQUIRE(res.status == 200);
    return json::parse(res.body)["generation"].get<std::int64_t>();
  }
};

std::string q(const std::string& member_of) {
  return "resources=VCPU:1&" + member_of;
}

}  // namespace

TEST_CASE(
    "member_of of the unsuffixed group: a root's aggregate covers its tree, a child's only it") {
  Fleet f;
  const std::string cn1 = "7b0a2a8e-0000-4000-8000-00000000c001";
  const std::string cn2 = "7b0a2a8e-0000-4000-8000-00000000c002";
  f.provider(cn1, "cn1");
  f.provider(cn2, "cn2");
  for (const auto& [root, name] : {std::pair{cn1, "cn1"}, std::pair{cn2, "cn2"}}) {
    for (int numa = 0; numa < 2; ++numa) {
      const std::string uuid = root + std::to_string(numa);
      const std::string child = "7b0a2a8e-0000-4000-8000-0000000" + uuid.substr(uuid.size() - 5);
      f.provider(child, std::string(name) + "_numa" + std::to_string(numa), root);
      f.inventory(child, {{"VCPU", {{"total", 4}}}});
      if (name == std::string("cn1") && numa == 0) f.aggregates(child, {kAggC});
    }
  }
  f.aggregates(cn1, {kAggA});
  f.aggregates(cn2, {kAggA, kAggB});

  CHECK(f.candidates("resources=VCPU:1") == 4);
  CHECK(f.candidates(q(std::string("member_of=") + kAggA)) == 4);
  CHECK(f.candidates(q(std::string("member_of=") + kAggB)) == 2);
  CHECK(f.candidates(q(std::string("member_of=!") + kAggA)) == 0);
  CHECK(f.candidates(q(std::string("member_of=!") + kAggB)) == 2);
  CHECK(f.candidates(
            q(std::string("member_of=") + kAggA + "&member_of=!in:" + kAggB + "," + kAggC)) == 1);
  CHECK(f.candidates(q(std::string("member_of=") + kAggC)) == 1);
  CHECK(f.candidates(q(std::string("member_of=in:") + kAggB + "," + kAggC)) == 3);
  // Every wanted aggregate on the provider, or every one on its root: not a mix.
  CHECK(f.candidates(q(std::string("member_of=") + kAggA + "&member_of=" + kAggC)) == 0);
  CHECK(f.candidates(q(std::string("member_of=!") + kAggC)) == 3);

  SECTION("a numbered group is checked per provider") {
    CHECK(f.candidates(std::string("resources1=VCPU:1&member_of1=") + kAggA) == 0);
    CHECK(f.candidates(std::string("resources1=VCPU:1&member_of1=") + kAggC) == 1);
    CHECK(f.candidates(std::string("resources1=VCPU:1&member_of1=!") + kAggA) == 4);
  }
  SECTION("listing providers keeps member_of per provider") {
    CHECK(f.listed(std::string("member_of=") + kAggA) == std::set<std::string>{"cn1", "cn2"});
    CHECK(f.listed(std::string("member_of=") + kAggC) == std::set<std::string>{"cn1_numa0"});
    CHECK(f.listed(std::string("member_of=!") + kAggA) ==
          std::set<std::string>{"cn1_numa0", "cn1_numa1", "cn2_numa0", "cn2_numa1"});
  }
}

TEST_CASE(
    "member_of with a sharing provider: its own aggregates, not those of the tree it serves") {
  Fleet f;
  const std::string cn1 = "7b0a2a8e-0000-4000-8000-00000000d001";
  const std::string cn2 = "7b0a2a8e-0000-4000-8000-00000000d002";
  const std::string ss = "7b0a2a8e-0000-4000-8000-00000000d0a1";
  const std::string far = "7b0a2a8e-0000-4000-8000-00000000d0b1";
  f.provider(cn1, "cn1");
  f.provider(cn2, "cn2");
  f.provider(ss, "shared-disk");
  f.provider(far, "far");
  f.inventory(cn1, {{"VCPU", {{"total", 4}}}});
  f.inventory(cn2, {{"VCPU", {{"total", 4}}}});
  f.inventory(ss, {{"DISK_GB", {{"total", 100}}}});
  f.traits(ss, {"MISC_SHARES_VIA_AGGREGATE"});
  f.aggregates(cn1, {kAggShare, kAggA, kAggRoot});
  f.aggregates(cn2, {kAggShare});
  f.aggregates(ss, {kAggShare, kAggA});
  f.aggregates(far, {kAggFar});
  auto disk = [](const std::string& member_of) {
    return "resources=VCPU:1,DISK_GB:10&" + member_of;
  };

  CHECK(f.candidates("resources=VCPU:1,DISK_GB:10") == 2);
  CHECK(f.candidates(disk(std::string("member_of=") + kAggShare)) == 2);
  CHECK(f.candidates(disk(std::string("member_of=") + kAggA)) == 1);
  CHECK(f.candidates(disk(std::string("member_of=") + kAggFar)) == 0);
  CHECK(f.candidates(disk(std::string("member_of=!") + kAggFar)) == 2);
  CHECK(f.candidates(disk(std::string("member_of=!") + kAggA)) == 0);
  // The sharing provider is not in kAggRoot, the root it serves is: that root's
  // aggregate does not cover it.
  CHECK(f.candidates(disk(std::string("member_of=") + kAggRoot)) == 0);
  CHECK(f.candidates(disk(std::string("member_of=!") + kAggRoot)) == 1);
}
