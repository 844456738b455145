#include "pci/pci_numa.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::pci;

namespace {

// Two sockets, two cells each (cells 0,1 on socket 0; 2,3 on socket 1), 4 GiB per cell.
virt::HostFacts fourCells() {
  virt::HostFacts h;
  h.hostname = "cn1";
  for (int i = 0; i < 4; ++i) {
    virt::NumaCellFacts c;
    c.id = i;
    c.cpus = {2 * i, 2 * i + 1};
    c.socket_id = i / 2;
    c.memory_kib = 4ULL * 1024 * 1024;
    h.numa_cells.push_back(c);
  }
  return h;
}

GuestNumaPlacement placed(NumaPolicy policy, const std::vector<DeviceNode>& devices,
                          std::uint64_t ram_mib = 1024) {
  auto r = numaPlacementFor(policy, "[pci] alias nic", devices, ram_mib, fourCells());
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return **r;
}

std::string refused(NumaPolicy policy, const std::vector<DeviceNode>& devices,
                    std::uint64_t ram_mib = 1024) {
  auto r = numaPlacementFor(policy, "hw:pci_numa_affinity_policy", devices, ram_mib, fourCells());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kFailedPrecondition);
  return r.error().message;
}

bool unconfined(NumaPolicy policy, const std::vector<DeviceNode>& devices,
                const virt::HostFacts& host = fourCells()) {
  auto r = numaPlacementFor(policy, "x", devices, 1024, host);
  REQUIRE(r.ok());
  return !r->has_value();
}

const DeviceNode vf1{"0000:81:10.0", 1};
const DeviceNode vf1b{"0000:81:10.2", 1};
const DeviceNode vf2{"0000:c1:10.0", 2};
const DeviceNode nic0{"0000:01:00.0", 0};
const DeviceNode nowhere{"0000:02:00.0", std::nullopt};

}  // namespace

TEST_CASE("required confines the guest to its devices' node") {
  GuestNumaPlacement p = placed(NumaPolicy::kRequired, {vf1, vf1b});
  CHECK(p.strict);
  CHECK(p.nodes == std::vector<int>{1});
  CHECK(p.cpus == std::vector<int>{2, 3});
}

TEST_CASE("required refuses unknown nodes, devices on two nodes, and a guest too big") {
  CHECK(refused(NumaPolicy::kRequired, {nowhere}) ==
        "PCI NUMA affinity policy 'required' (hw:pci_numa_affinity_policy) cannot be met on host "
        "cn1: the host does not report the NUMA node of every device; devices: 0000:02:00.0 "
        "(node unknown)");
  CHECK(refused(NumaPolicy::kRequired, {vf1, vf2}) ==
        "PCI NUMA affinity policy 'required' (hw:pci_numa_affinity_policy) cannot be met on host "
        "cn1: the devices are on different NUMA nodes and a guest lives on one; devices: "
        "0000:81:10.0 (node 1), 0000:c1:10.0 (node 2)");
  CHECK(refused(NumaPolicy::kRequired, {vf1}, 5000) ==
        "PCI NUMA affinity policy 'required' (hw:pci_numa_affinity_policy) cannot be met on host "
        "cn1: the guest's 5000 MiB do not fit in NUMA node(s) 1 (4096 MiB); devices: "
        "0000:81:10.0 (node 1)");
}

TEST_CASE("legacy confines when the node is known and lets unknown nodes pass") {
  CHECK(placed(NumaPolicy::kLegacy, {nic0}).nodes == std::vector<int>{0});
  CHECK(unconfined(NumaPolicy::kLegacy, {nowhere}));
  CHECK(placed(NumaPolicy::kLegacy, {nowhere, vf1}).nodes == std::vector<int>{1});
  CHECK(refused(NumaPolicy::kLegacy, {nic0, vf1}).find("different NUMA nodes") !=
        std::string::npos);
}

TEST_CASE("socket confines to every cell of the devices' socket") {
  GuestNumaPlacement p = placed(NumaPolicy::kSocket, {vf1}, 6000);
  CHECK(p.nodes == std::vector<int>{0, 1});
  CHECK(p.cpus == std::vector<int>{0, 1, 2, 3});
  CHECK(cpusetText(p.cpus) == "0-3");
  CHECK(refused(NumaPolicy::kSocket, {vf1, vf2}).find("the devices are on different sockets") !=
        std::string::npos);
  virt::HostFacts no_sockets = fourCells();
  for (auto& c : no_sockets.numa_cells) c.socket_id.reset();
  auto r = numaPlacementFor(NumaPolicy::kSocket, "[pci] alias nic", {vf1}, 512, no_sockets);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("the host does not report the socket of NUMA cell 1") !=
        std::string::npos);
}

TEST_CASE("preferred prefers the node and never refuses") {
  GuestNumaPlacement p = placed(NumaPolicy::kPreferred, {vf1}, 9000);
  CHECK_FALSE(p.strict);
  CHECK(p.nodes == std::vector<int>{1});
  CHECK(p.cpus.empty());
  CHECK(unconfined(NumaPolicy::kPreferred, {vf1, vf2}));
  CHECK(unconfined(NumaPolicy::kPreferred, {nowhere}));
}

TEST_CASE("a host of one NUMA cell, or no devices, has nothing to confine") {
  virt::HostFacts one = fourCells();
  one.numa_cells.resize(1);
  CHECK(unconfined(NumaPolicy::kRequired, {nowhere}, one));
  CHECK(unconfined(NumaPolicy::kRequired, {}));
}

TEST_CASE("cpuset text uses ranges") {
  CHECK(cpusetText({5, 0, 1, 2, 7, 8, 2}) == "0-2,5,7-8");
  CHECK(cpusetText({}) == "");
}
