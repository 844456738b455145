#include "placement/candidates.h"

#include <catch2/catch.hpp>

using namespace stratus::placement;

namespace {

struct World {
  std::unordered_map<std::string, Provider> providers;
  std::unordered_map<std::string, std::set<std::string>> trees;
  std::set<std::pair<std::int64_t, std::string>> roots;
  std::set<std::string> sharing;
  std::map<std::string, ResourceAmounts> usage;  // provider -> class -> used

  Provider& add(const std::string& uuid, const std::string& parent = "") {
    Provider p;
    p.uuid = uuid;
    p.name = uuid;
    p.parent_uuid = parent;
    p.root_uuid = parent.empty() ? uuid : providers.at(parent).root_uuid;
    p.created_at = static_cast<std::int64_t>(providers.size());
    trees[p.root_uuid].insert(uuid);
    if (parent.empty()) roots.insert({p.created_at, uuid});
    return providers[uuid] = p;
  }
  NameIds trait_ids;
  NameIds class_ids;

  std::vector<AllocationRequest> find(const CandidateQuery& q) {
    for (auto& [u, p] : providers) {
      if (p.traits.count(kSharesViaAggregate)) sharing.insert(u);
      indexTraits(p, trait_ids);
      auto used = usage.find(u);
      indexRooms(p, used == usage.end() ? nullptr : &used->second, class_ids);
    }
    RootIndex root_index;
    for (const auto& key : roots) {
      root_index[key] = RootRef{&providers.at(key.second), &trees.at(key.second)};
    }
    CandidateView v{providers, root_index, sharing, trait_ids, class_ids};
    const CandidateSet found = findCandidates(q, v);
    std::vector<AllocationRequest> out;
    for (std::size_t i = 0; i < found.size(); ++i) out.push_back(found.materialize(i));
    return out;
  }
};

RequestGroup group(ResourceAmounts r, std::string suffix = "") {
  RequestGroup g;
  g.suffix = std::move(suffix);
  g.resources = std::move(r);
  return g;
}

}  // namespace

TEST_CASE("a provider with room and the traits is a candidate; used capacity counts") {
  World w;
  auto& a = w.add("a");
  a.inventories["VCPU"] = Inventory{8, 0, 1, 8, 1, 1.0};
  a.traits = {"COMPUTE_IOMMU_MODEL_VIRTIO"};
  auto& b = w.add("b");
  b.inventories["VCPU"] = Inventory{8, 0, 1, 8, 1, 1.0};
  CandidateQuery q;
  q.groups = {group({{"VCPU", 4}})};
  CHECK(w.find(q).size() == 2);
  q.groups[0].traits.required = {"COMPUTE_IOMMU_MODEL_VIRTIO"};
  auto only_a = w.find(q);
  REQUIRE(only_a.size() == 1);
  CHECK(only_a[0].allocations.at("a").at("VCPU") == 4);
  CHECK(only_a[0].mappings.at("") == std::vector<std::string>{"a"});
  w.usage["a"]["VCPU"] = 5;  // 3 left
  CHECK(w.find(q).empty());
}

TEST_CASE("unit rules: min_unit, max_unit and step_size") {
  World w;
  w.add("a").inventories["MEMORY_MB"] = Inventory{4096, 0, 512, 2048, 512, 1.0};
  CandidateQuery q;
  q.groups = {group({{"MEMORY_MB", 1024}})};
  CHECK(w.find(q).size() == 1);
  q.groups = {group({{"MEMORY_MB", 256}})};
  CHECK(w.find(q).empty());
  q.groups = {group({{"MEMORY_MB", 3072}})};
  CHECK(w.find(q).empty());
  q.groups = {group({{"MEMORY_MB", 768}})};
  CHECK(w.find(q).empty());
}

TEST_CASE("nested: the unsuffixed group spans a tree from 1.29, not before") {
  World w;
  w.add("cn").inventories["VCPU"] = Inventory{8, 0, 1, 8, 1, 1.0};
  w.add("numa0", "cn").inventories["MEMORY_MB"] = Inventory{4096, 0, 1, 4096, 1, 1.0};
  CandidateQuery q;
  q.groups = {group({{"VCPU", 1}, {"MEMORY_MB", 1024}})};
  auto nested = w.find(q);
  REQUIRE(nested.size() == 1);
  CHECK(nested[0].allocations.size() == 2);
  q.nested = false;
  CHECK(w.find(q).empty());
}

TEST_CASE("sharing providers serve trees in their aggregate") {
  World w;
  auto& cn = w.add("cn");
  cn.inventories["VCPU"] = Inventory{8, 0, 1, 8, 1, 1.0};
  cn.aggregates = {"agg"};
  auto& ss = w.add("ss");
  ss.inventories["DISK_GB"] = Inventory{100, 0, 1, 100, 1, 1.0};
  ss.traits = {kSharesViaAggregate};
  ss.aggregates = {"agg"};
  CandidateQuery q;
  q.groups = {group({{"VCPU", 1}, {"DISK_GB", 10}})};
  auto found = w.find(q);
  REQUIRE(found.size() == 1);
  CHECK(found[0].allocations.at("ss").at("DISK_GB") == 10);
  w.providers.at("cn").aggregates.clear();
  CHECK(w.find(q).empty());
}

TEST_CASE("granular groups: one provider each, isolate keeps them apart, limit cuts") {
  World w;
  w.add("cn");
  w.add("pf1", "cn").inventories["SRIOV_NET_VF"] = Inventory{4, 0, 1, 4, 1, 1.0};
  w.add("pf2", "cn").inventories["SRIOV_NET_VF"] = Inventory{4, 0, 1, 4, 1, 1.0};
  CandidateQuery q;
  q.groups = {group({{"SRIOV_NET_VF", 1}}, "1"), group({{"SRIOV_NET_VF", 1}}, "2")};
  // pf1+pf1 (summed), pf1+pf2, pf2+pf1, pf2+pf2: the middle two differ in mappings.
  CHECK(w.find(q).size() == 4);
  q.isolate = true;
  CHECK(w.find(q).size() == 2);  // pf1+pf2 and pf2+pf1
  q.isolate = false;
  q.limit = 1;
  CHECK(w.find(q).size() == 1);
}

TEST_CASE("same_subtree needs one provider above the others") {
  World w;
  w.add("cn");
  w.add("agent", "cn").traits = {"CUSTOM_AGENT"};
  w.add("pf", "agent").inventories["NET_BW_EGR_KILOBIT_PER_SEC"] =
      Inventory{1000, 0, 1, 1000, 1, 1.0};
  w.add("other", "cn").inventories["NET_PACKET_RATE_KILOPACKET_PER_SEC"] =
      Inventory{1000, 0, 1, 1000, 1, 1.0};
  CandidateQuery q;
  q.groups = {group({{"NET_BW_EGR_KILOBIT_PER_SEC", 10}}, "_bw"),
              group({{"NET_PACKET_RATE_KILOPACKET_PER_SEC", 10}}, "_pps")};
  CHECK(w.find(q).size() == 1);
  q.same_subtree = {{"_bw", "_pps"}};
  CHECK(w.find(q).empty());  // pf and other are siblings' children, neither above the other
}

TEST_CASE("the same sums served through different providers are different candidates") {
  World w;
  w.add("cn").inventories["VCPU"] = Inventory{8, 0, 1, 8, 1, 1.0};
  w.add("nic1", "cn").inventories["NET_BW_EGR_KILOBIT_PER_SEC"] =
      Inventory{1000, 0, 1, 1000, 1, 1.0};
  w.add("nic2", "cn").inventories["NET_BW_EGR_KILOBIT_PER_SEC"] =
      Inventory{1000, 0, 1, 1000, 1, 1.0};
  CandidateQuery q;
  q.groups = {group({{"VCPU", 1}}), group({{"NET_BW_EGR_KILOBIT_PER_SEC", 1000}}, "_port1"),
              group({{"NET_BW_EGR_KILOBIT_PER_SEC", 1000}}, "_port2")};
  // Each port fills one NIC; port1 on nic1 and port2 on nic2, or the other way.
  auto found = w.find(q);
  REQUIRE(found.size() == 2);
  CHECK(found[0].allocations == found[1].allocations);
  CHECK(found[0].mappings.at("_port1") != found[1].mappings.at("_port1"));
}
