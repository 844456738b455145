// Candidates spanning a compute node and its PCI providers, and the pci_numa_affinity
// host filter on the captured two-node lab host (../shared/labs/vfio/captured/nodedev-numa).
#include "scheduler/scheduler.h"

#include <catch2/catch.hpp>

#include "common/uuid.h"
#include "virt/capabilities_parse.h"
#include "virt/pci_test_hosts.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::scheduler;
using nlohmann::json;

namespace {

// The lab's two-node L1: cell 0 (socket 0) and cell 1 (socket 1); igb PF 01:00.0 with no
// NUMA node, igb PF 81:00.0 and its VFs on node 1.
virt::HostFacts numaLabHost(const std::string& name) {
  virt::HostFacts h = virt::testing::testHost("x86-kvm-libvirt9");
  h.hostname = name;
  auto caps = virt::parseCapabilities(virt::testing::readCapture("nodedev-numa/capabilities.xml"));
  REQUIRE(caps.ok());
  REQUIRE(caps->cells.size() == 2);
  h.numa_cells = caps->cells;
  h.pci_devices = virt::testing::labNumaHostDevices();
  return h;
}

std::string pf(const std::string& host, const std::string& address) {
  return providerUuidFor(host + "_" + address);
}

Candidate candidate(const std::string& root, const std::vector<std::string>& devices) {
  Candidate c{root, {{root, {{"resources", {{"VCPU", 1}, {"MEMORY_MB", 512}}}}}}, 0};
  for (const auto& d : devices) c.allocations[d] = {{"resources", {{"CUSTOM_PCI_8086_10CA", 1}}}};
  return c;
}

RequestSpec pciSpec(const std::string& policy) {
  pci::PciConfig config;
  auto a = pci::parseAlias(R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca"})");
  REQUIRE(a.ok());
  config.aliases = *a;
  virt::Flavor f{"m1",
                 1,
                 512,
                 0,
                 {{"pci_passthrough:alias", "nic:1"}, {"hw:pci_numa_affinity_policy", policy}}};
  auto s = buildRequestSpec(f, {}, virt::VirtConfig{}, config);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("a candidate spanning the compute node and device providers is one host, its root") {
  auto doc = json::parse(R"({
    "allocation_requests": [
      {"allocations": {"cn": {"resources": {"VCPU": 1, "MEMORY_MB": 512}},
                       "dev1": {"resources": {"CUSTOM_PCI_8086_10CA": 1}}}},
      {"allocations": {"cn": {"resources": {"VCPU": 1, "MEMORY_MB": 512}},
                       "dev1": {"resources": {"CUSTOM_PCI_8086_10CA": 1}},
                       "dev2": {"resources": {"CUSTOM_PCI_8086_10CA": 1}}}},
      {"allocations": {"cn": {"resources": {"VCPU": 1}}, "other": {"resources": {"DISK_GB": 1}}}}],
    "provider_summaries": {
      "cn": {"root_provider_uuid": "cn", "parent_provider_uuid": null,
             "resources": {"MEMORY_MB": {"capacity": 4096, "used": 1024}}},
      "dev1": {"root_provider_uuid": "cn", "parent_provider_uuid": "cn", "resources": {}},
      "dev2": {"root_provider_uuid": "cn", "parent_provider_uuid": "cn", "resources": {}},
      "other": {"root_provider_uuid": "elsewhere", "resources": {}}}})");
  auto c = parseCandidates(doc);
  REQUIRE(c.ok());
  // The third spans two trees: no one host can take it.
  REQUIRE(c->size() == 2);
  CHECK((*c)[0].provider_uuid == "cn");
  CHECK((*c)[0].free_memory_mb == 3072);
  CHECK((*c)[0].allocations.size() == 2);
  CHECK((*c)[1].allocations.size() == 3);
  CHECK((*c)[1].allocations["dev2"] ==
        json::parse(R"({"resources": {"CUSTOM_PCI_8086_10CA": 1}})"));
}

TEST_CASE("without root_provider_uuid the provider holding VCPU is the host") {
  auto doc = json::parse(R"({"allocation_requests": [
      {"allocations": {"dev": {"resources": {"CUSTOM_PCI_8086_10CA": 1}},
                       "cn": {"resources": {"VCPU": 2}}}},
      {"allocations": {"d1": {"resources": {"CUSTOM_X": 1}}, "d2": {"resources": {"CUSTOM_X": 1}}}}]})");
  auto c = parseCandidates(doc);
  REQUIRE(c.ok());
  REQUIRE(c->size() == 1);
  CHECK((*c)[0].provider_uuid == "cn");
}

TEST_CASE("device providers map back to the host's devices, a PF's provider standing for its VFs") {
  REQUIRE_LAB_CAPTURE();
  HostRecord h{"cn1", "root", numaLabHost("cn1")};
  auto devices = pciDevicesOf(candidate("root", {pf("cn1", "0000:81:00.0")}), h);
  REQUIRE(devices.ok());
  REQUIRE(devices->size() == 1);
  CHECK((*devices)[0].address == "0000:81:00.0");
  CHECK((*devices)[0].numa_node == std::optional<int>(1));
  auto unknown = pciDevicesOf(candidate("root", {"not-a-device"}), h);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message == "provider not-a-device is none of the PCI devices cn1 reports");
}

TEST_CASE("pci_numa_affinity removes hosts whose devices cannot meet the policy, and says so") {
  REQUIRE_LAB_CAPTURE();
  std::map<std::string, HostRecord> hosts = {
      {"r1", {"cn1", "r1", numaLabHost("cn1")}},
      {"r2", {"cn2", "r2", numaLabHost("cn2")}},
  };
  const HostLookup lookup = [&](const std::string& uuid) -> std::optional<HostRecord> {
    auto it = hosts.find(uuid);
    if (it == hosts.end()) return std::nullopt;
    return it->second;
  };
  // cn1 offers either PF; cn2 only the one whose NUMA node the firmware does not give.
  const std::vector<Candidate> candidates = {
      candidate("r1", {pf("cn1", "0000:01:00.0")}),
      candidate("r1", {pf("cn1", "0000:81:00.0")}),
      candidate("r2", {pf("cn2", "0000:01:00.0")}),
  };
  auto required = filterHosts(pciSpec("required"), candidates, lookup, virt::VirtConfig{});
  REQUIRE(required.passed.size() == 1);
  CHECK(required.passed[0].host.name == "cn1");
  CHECK(required.passed[0].candidate.allocations.contains(pf("cn1", "0000:81:00.0")));
  REQUIRE(required.removed.size() == 1);
  CHECK(required.removed[0] ==
        "host filter pci_numa_affinity removed 1 host (cn2: PCI NUMA affinity policy 'required' "
        "(hw:pci_numa_affinity_policy) cannot be met on host cn2: the host does not report the "
        "NUMA node of every device; devices: 0000:01:00.0 (node unknown))");
  // socket: the device on node 1 puts the guest on socket 1; the unknown node cannot.
  auto socket = filterHosts(pciSpec("socket"), candidates, lookup, virt::VirtConfig{});
  REQUIRE(socket.passed.size() == 1);
  CHECK(socket.passed[0].candidate.allocations.contains(pf("cn1", "0000:81:00.0")));
  // legacy: a device whose node is unknown does not constrain the guest.
  auto legacy = filterHosts(pciSpec("legacy"), candidates, lookup, virt::VirtConfig{});
  CHECK(legacy.passed.size() == 3);
  CHECK(legacy.removed.empty());
}
