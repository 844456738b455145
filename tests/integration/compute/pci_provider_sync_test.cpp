// The agent's PCI child providers against a real stratus-placement over HTTP on
// 127.0.0.1 with SQLite, driven by host facts carrying the PCI devices that
// ../shared/labs/vfio captured (virt/pci_test_hosts.h).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compute/agent.h"
#include "tests/integration/compute/live_placement.h"
#include "tests/skip.h"
#include "virt/pci_test_hosts.h"

namespace fs = std::filesystem;
using namespace stratus;
using namespace stratus::compute;
using nlohmann::json;
using stratus::testing::clientFor;
using stratus::testing::LivePlacement;
using stratus::testing::TempDir;

namespace {

const std::string kHost = "cn-pci-1";
const std::string kVfs = kHost + "_0000:01:00.0";
const std::string kNic = kHost + "_0000:02:00.0";
const std::string kNvme = kHost + "_0000:03:00.0";

// The lab host's devices, minus those at `without`, in a facts document for the agent.
void writeFacts(const fs::path& file, const std::set<std::string>& without = {}) {
  auto facts = virt::loadHostFacts(std::string(STRATUS_SOURCE_DIR) +
                                   "/virt/testdata/hosts/x86-kvm-libvirt9.json");
  REQUIRE(facts.ok());
  for (const auto& d : virt::testing::labHostDevices()) {
    if (!without.contains(d.address)) facts->pci_devices.push_back(d);
  }
  std::ofstream(file) << virt::hostFactsToJson(*facts).dump(2);
}

pci::PciConfig labPciConfig(const std::vector<std::string>& specs) {
  pci::PciConfig c;
  for (const auto& text : specs) {
    auto s = pci::parseDeviceSpec(text);
    REQUIRE(s.ok());
    for (auto& one : *s) c.device_specs.push_back(one);
  }
  return c;
}

const std::vector<std::string> kSpecs = {
    R"({"vendor_id": "8086", "product_id": "10ca", "managed": "no"})",
    R"({"address": "0000:02:00.0", "traits": "blue, big"})",
    R"({"vendor_id": "1b36", "product_id": "0010", "resource_class": "nvme"})"};

AgentConfig agentConfig(const TempDir& tmp) {
  AgentConfig config;
  config.host = kHost;
  config.instances_path = (tmp.path / "instances").string();
  config.pci = labPciConfig(kSpecs);
  return config;
}

placement_client::Inventory pciInventory(std::int64_t total, std::int64_t reserved) {
  placement_client::Inventory inv;
  inv.total = total;
  inv.reserved = reserved;
  inv.min_unit = 1;
  inv.max_unit = total;
  inv.step_size = 1;
  inv.allocation_ratio = 1.0;
  return inv;
}

// A consumer holding one device of `rc` on `provider`, as a claim would.
void allocate(placement_client::PlacementClient& client, const std::string& consumer,
              const std::string& provider, const std::string& rc) {
  json body{{"allocations", {{provider, {{"resources", {{rc, 1}}}}}}},
            {"project_id", "6b3e2a0c-4b8e-4a7e-9a53-0d3f6b0c2a11"},
            {"user_id", "0f1d7c2e-9e4b-4f7a-8a55-2c6b1e9d3f22"}};
  auto r = client.call("PUT", "/allocations/" + consumer, body);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
}

}  // namespace

TEST_CASE(
    "the agent publishes the host's PCI devices as children of its compute node, follows "
    "the facts, and writes nothing when nothing changed") {
  if (!virt::testing::haveLabCapture()) {
    STRATUS_SKIP(virt::testing::labCapture() << " is not here (it comes with ../shared)");
  }
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  writeFacts(facts, {"0000:03:00.0"});  // the NVMe drive comes later
  Agent agent(agentConfig(tmp), fileFactsSource(facts.string()), clientFor(placement.url()));
  auto op = clientFor(placement.url());
  const std::string root = providerUuidFor(kHost);

  auto first = agent.syncOnce();
  REQUIRE(first.ok());
  CHECK(first->created);
  CHECK(first->pci_added == std::set<std::string>{kVfs, kNic});
  CHECK(first->pci_removed.empty());
  CHECK(first->pci_updated.empty());
  CHECK(describe(*first, root) ==
        "provider " + root +
            ": created; inventories written; traits +COMPUTE_IOMMU_MODEL_AUTO "
            "+COMPUTE_IOMMU_MODEL_INTEL +COMPUTE_IOMMU_MODEL_VIRTIO +CUSTOM_MEM_PAGE_SIZE_2048 "
            "+HW_ARCH_I686 +HW_ARCH_X86_64; pci providers +" +
            kVfs + " +" + kNic);

  auto vfs = op->getProvider(providerUuidFor(kVfs));
  REQUIRE(vfs.ok());
  REQUIRE(vfs->has_value());
  CHECK((*vfs)->name == kVfs);
  CHECK((*vfs)->parent_uuid == root);
  CHECK((*vfs)->root_uuid == root);
  auto vfs_inv = op->getInventories(providerUuidFor(kVfs));
  REQUIRE(vfs_inv.ok());
  // managed=no: the VF on igbvf is reserved, the one on vfio-pci is free.
  CHECK(vfs_inv->inventories ==
        placement_client::Inventories{{"CUSTOM_PCI_8086_10CA", pciInventory(2, 1)}});
  auto vfs_traits = op->getTraits(providerUuidFor(kVfs));
  REQUIRE(vfs_traits.ok());
  CHECK(vfs_traits->traits == std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE"});

  auto nic = op->getProvider(providerUuidFor(kNic));
  REQUIRE(nic.ok());
  REQUIRE(nic->has_value());
  CHECK((*nic)->parent_uuid == root);
  auto nic_inv = op->getInventories(providerUuidFor(kNic));
  REQUIRE(nic_inv.ok());
  CHECK(nic_inv->inventories ==
        placement_client::Inventories{{"CUSTOM_PCI_8086_10D3", pciInventory(1, 0)}});
  auto nic_traits = op->getTraits(providerUuidFor(kNic));
  REQUIRE(nic_traits.ok());
  CHECK(nic_traits->traits ==
        std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_BIG", "CUSTOM_BLUE"});

  SECTION("a sync with nothing changed writes nothing") {
    const auto before = placement.writes();
    auto again = agent.syncOnce();
    REQUIRE(again.ok());
    CHECK(again->pci_added.empty());
    CHECK(again->pci_removed.empty());
    CHECK(again->pci_updated.empty());
    CHECK(again->pci_warnings.empty());
    CHECK(placement.writes() == before);
    CHECK(describe(*again, root) == "provider " + root + ": in sync, nothing written");
  }

  SECTION("a device added to the host appears at the next sync") {
    writeFacts(facts);
    auto added = agent.syncOnce();
    REQUIRE(added.ok());
    CHECK(added->pci_added == std::set<std::string>{kNvme});
    auto nvme = op->getInventories(providerUuidFor(kNvme));
    REQUIRE(nvme.ok());
    CHECK(nvme->inventories == placement_client::Inventories{{"CUSTOM_NVME", pciInventory(1, 0)}});
    auto p = op->getProvider(providerUuidFor(kNvme));
    REQUIRE(p.ok());
    REQUIRE(p->has_value());
    CHECK((*p)->parent_uuid == root);
  }

  SECTION("a device gone from the host with no allocations is deleted") {
    writeFacts(facts, {"0000:03:00.0", "0000:02:00.0"});
    auto removed = agent.syncOnce();
    REQUIRE(removed.ok());
    CHECK(removed->pci_removed == std::set<std::string>{kNic});
    CHECK(removed->pci_warnings.empty());
    CHECK(describe(*removed, root) == "provider " + root + ": pci providers -" + kNic);
    auto gone = op->getProvider(providerUuidFor(kNic));
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
    auto kept = op->getProvider(providerUuidFor(kVfs));
    REQUIRE(kept.ok());
    CHECK(kept->has_value());
  }

  SECTION("a device gone from the host while a consumer holds it is kept, with a warning") {
    const std::string consumer = "5a0e7a52-3c1f-4a0b-8d7e-6f4c2b1a9e01";
    allocate(*op, consumer, providerUuidFor(kNic), "CUSTOM_PCI_8086_10D3");
    writeFacts(facts, {"0000:03:00.0", "0000:02:00.0"});
    const std::string warning = "pci provider " + kNic +
                                " (device 0000:02:00.0) is no longer on the host but is kept: "
                                "held by consumer(s) " +
                                consumer;
    for (int sync = 0; sync < 2; ++sync) {  // said at every sync, once
      auto kept = agent.syncOnce();
      REQUIRE(kept.ok());
      CHECK(kept->pci_removed.empty());
      CHECK(kept->pci_warnings == std::vector<std::string>{warning});
    }
    auto still = op->getProvider(providerUuidFor(kNic));
    REQUIRE(still.ok());
    CHECK(still->has_value());
    // Once the consumer is gone, the next sync removes it.
    REQUIRE(op->call("DELETE", "/allocations/" + consumer).ok());
    auto after = agent.syncOnce();
    REQUIRE(after.ok());
    CHECK(after->pci_removed == std::set<std::string>{kNic});
  }

  SECTION("a shrink placement refuses is a warning; the rest of the sync happens") {
    const std::string consumer = "7c2d9b14-1e3a-4f5b-9c6d-8e7f0a1b2c03";
    allocate(*op, consumer, providerUuidFor(kNic), "CUSTOM_PCI_8086_10D3");
    // The e1000e given a new resource class: its old class is in use and cannot go.
    AgentConfig config = agentConfig(tmp);
    config.pci = labPciConfig(
        {kSpecs[0],
         R"({"address": "0000:02:00.0", "traits": "blue, big", "resource_class": "lan"})",
         kSpecs[2]});
    Agent second(config, fileFactsSource(facts.string()), clientFor(placement.url()));
    writeFacts(facts);
    auto r = second.syncOnce();
    REQUIRE(r.ok());
    CHECK(r->pci_added == std::set<std::string>{kNvme});
    REQUIRE(r->pci_warnings.size() == 1);
    CHECK_THAT(r->pci_warnings[0],
               Catch::StartsWith("pci provider " + kNic +
                                 ": placement refused inventory CUSTOM_LAN total=1 reserved=0: "));
    auto inv = op->getInventories(providerUuidFor(kNic));
    REQUIRE(inv.ok());
    CHECK(inv->inventories.contains("CUSTOM_PCI_8086_10D3"));
  }

  SECTION("others' traits on the compute node survive; others' providers are not touched") {
    REQUIRE(op->ensureTrait("CUSTOM_GOLD").ok());
    auto t = op->getTraits(root);
    REQUIRE(t.ok());
    auto with_gold = t->traits;
    with_gold.insert("CUSTOM_GOLD");
    REQUIRE(op->putTraits(root, t->generation, with_gold).ok());
    // A child that is not a PCI provider, and another host's PCI provider.
    const std::string fpga = "2f1e0d9c-8b7a-4c5d-9e0f-1a2b3c4d5e6f";
    REQUIRE(op->createProvider(fpga, kHost + "_fpga", root).ok());
    const std::string other = providerUuidFor("cn-pci-2_0000:02:00.0");
    REQUIRE(op->createProvider(other, "cn-pci-2_0000:02:00.0").ok());
    REQUIRE(op->putTraits(other, 0, {"COMPUTE_MANAGED_PCI_DEVICE"}).ok());

    writeFacts(facts,
               {"0000:02:00.0", "0000:03:00.0", "0000:01:00.0", "0000:01:10.0", "0000:01:10.2"});
    auto r = agent.syncOnce();
    REQUIRE(r.ok());
    CHECK(r->pci_removed == std::set<std::string>{kNic, kVfs});
    CHECK(r->traits_removed.empty());
    auto now = op->getTraits(root);
    REQUIRE(now.ok());
    CHECK(now->traits.contains("CUSTOM_GOLD"));
    auto fpga_now = op->getProvider(fpga);
    REQUIRE(fpga_now.ok());
    CHECK(fpga_now->has_value());
    auto other_now = op->getProvider(other);
    REQUIRE(other_now.ok());
    CHECK(other_now->has_value());
  }

  SECTION("a concurrent writer's 409 on a PCI provider is retried") {
    writeFacts(facts);
    int writes_seen = 0;
    agent.pciSync().before_write = [&] {
      if (writes_seen++ != 1) return;  // after the NVMe's create, before its inventory
      auto g = op->getProvider(providerUuidFor(kNvme));
      REQUIRE(g.ok());
      REQUIRE(g->has_value());
      REQUIRE(op->putTraits(providerUuidFor(kNvme), (*g)->generation, {"CUSTOM_BLUE"}).ok());
    };
    auto raced = agent.syncOnce();
    REQUIRE(raced.ok());
    CHECK(raced->conflicts == 1);
    auto traits = op->getTraits(providerUuidFor(kNvme));
    REQUIRE(traits.ok());
    CHECK(traits->traits == std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE"});
    auto inv = op->getInventories(providerUuidFor(kNvme));
    REQUIRE(inv.ok());
    CHECK(inv->inventories.contains("CUSTOM_NVME"));
  }
}

TEST_CASE("a [pci] that does not fit the host stops the first sync before anything is written") {
  if (!virt::testing::haveLabCapture()) {
    STRATUS_SKIP(virt::testing::labCapture() << " is not here (it comes with ../shared)");
  }
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  writeFacts(facts);
  AgentConfig config = agentConfig(tmp);
  config.pci = labPciConfig({R"({"vendor_id": "8086", "product_id": "10c9"})",
                             R"({"vendor_id": "8086", "product_id": "10ca"})"});
  Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  const auto before = placement.writes();
  auto r = agent.syncOnce();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(r.error().message, Catch::StartsWith("[pci] device_spec='{\"vendor_id\": \"8086\", "
                                                  "\"product_id\": \"10ca\"}' is invalid: it "
                                                  "matches VF 0000:01:10.0 of PF 0000:01:00.0"));
  CHECK(placement.writes() == before);
  auto root = clientFor(placement.url())->getProvider(providerUuidFor(kHost));
  REQUIRE(root.ok());
  CHECK_FALSE(root->has_value());
}

TEST_CASE("a host that stops fitting [pci] later keeps its PCI providers as they were") {
  if (!virt::testing::haveLabCapture()) {
    STRATUS_SKIP(virt::testing::labCapture() << " is not here (it comes with ../shared)");
  }
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  // The PF is not in the facts at first, so only its VFs match.
  writeFacts(facts, {"0000:01:00.0"});
  AgentConfig config = agentConfig(tmp);
  config.pci = labPciConfig({R"({"vendor_id": "8086", "product_id": "10c9"})",
                             R"({"vendor_id": "8086", "product_id": "10ca"})"});
  Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  auto first = agent.syncOnce();
  REQUIRE(first.ok());
  CHECK(first->pci_added == std::set<std::string>{kVfs});

  writeFacts(facts);  // the PF is back: a spec matches it and another its VFs
  const auto before = placement.writes();
  auto later = agent.syncOnce();
  REQUIRE(later.ok());
  CHECK(later->pci_skipped);
  CHECK(later->pci_removed.empty());
  CHECK(placement.writes() == before);
  auto kept = clientFor(placement.url())->getProvider(providerUuidFor(kVfs));
  REQUIRE(kept.ok());
  CHECK(kept->has_value());
}
