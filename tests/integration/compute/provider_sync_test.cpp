// The agent's provider sync against a real stratus-placement served over HTTP on
// 127.0.0.1 with SQLite, driven by captured host facts.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "compute/agent.h"
#include "tests/integration/compute/live_placement.h"
#include "tests/skip.h"

namespace fs = std::filesystem;
using namespace stratus;
using namespace stratus::compute;
using stratus::testing::clientFor;
using stratus::testing::LivePlacement;
using stratus::testing::TempDir;

namespace {

const std::string kHosts = std::string(STRATUS_SOURCE_DIR) + "/virt/testdata/hosts/";

void useFacts(const fs::path& facts_file, const std::string& host) {
  fs::copy_file(kHosts + host + ".json", facts_file, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE(
    "the agent publishes the host, keeps others' traits, follows the facts, and writes "
    "nothing when nothing changed") {
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "x86-kvm-libvirt9");

  AgentConfig config;
  config.host = "cn-sync-1";
  config.instances_path = (tmp.path / "instances").string();
  Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  auto operator_client = clientFor(placement.url());

  auto first = agent.syncOnce();
  REQUIRE(first.ok());
  CHECK(first->created);
  const std::string uuid = agent.providerSync().providerUuid();
  CHECK(uuid == providerUuidFor("cn-sync-1"));

  auto inv = operator_client->getInventories(uuid);
  REQUIRE(inv.ok());
  CHECK(inv->inventories.at("VCPU").total == 2);
  CHECK(inv->inventories.at("VCPU").allocation_ratio == 4.0);
  CHECK(inv->inventories.at("MEMORY_MB").total == 23437);
  CHECK(inv->inventories.at("MEMORY_MB").reserved == 512);
  CHECK(inv->inventories.at("DISK_GB").total ==
        static_cast<std::int64_t>(*diskGbAt(config.instances_path)));
  auto traits = operator_client->getTraits(uuid);
  REQUIRE(traits.ok());
  CHECK(traits->traits ==
        std::set<std::string>{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL",
                              "COMPUTE_IOMMU_MODEL_VIRTIO", "CUSTOM_MEM_PAGE_SIZE_2048",
                              "HW_ARCH_I686", "HW_ARCH_X86_64"});

  SECTION("a sync with nothing changed is reads only") {
    const auto before = placement.writes();
    auto again = agent.syncOnce();
    REQUIRE(again.ok());
    CHECK_FALSE(again->inventories_written);
    CHECK_FALSE(again->traits_written);
    CHECK(placement.writes() == before);
  }

  SECTION("operator traits survive; a downgraded libvirt loses VIRTIO at the next sync") {
    REQUIRE(operator_client->ensureTrait("CUSTOM_GOLD").ok());
    auto with_operator = traits->traits;
    with_operator.insert({"CUSTOM_GOLD", "COMPUTE_STATUS_DISABLED"});
    REQUIRE(operator_client->putTraits(uuid, traits->generation, with_operator).ok());

    const auto before = placement.writes();
    auto resync = agent.syncOnce();
    REQUIRE(resync.ok());
    CHECK_FALSE(resync->traits_written);
    CHECK(placement.writes() == before);

    useFacts(facts, "x86-kvm-libvirt8.2");
    auto downgraded = agent.syncOnce();
    REQUIRE(downgraded.ok());
    CHECK(downgraded->traits_removed == std::set<std::string>{"COMPUTE_IOMMU_MODEL_VIRTIO"});
    CHECK(downgraded->traits_added.empty());
    auto now = operator_client->getTraits(uuid);
    REQUIRE(now.ok());
    CHECK(now->traits ==
          std::set<std::string>{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL",
                                "COMPUTE_STATUS_DISABLED", "CUSTOM_GOLD",
                                "CUSTOM_MEM_PAGE_SIZE_2048", "HW_ARCH_I686", "HW_ARCH_X86_64"});
  }

  SECTION("a concurrent writer's 409 is met by re-reading and retrying, keeping its write") {
    useFacts(facts, "x86-kvm-libvirt8.2");
    REQUIRE(operator_client->ensureTrait("CUSTOM_RACE").ok());
    int writes_seen = 0;
    agent.providerSync().before_write = [&] {
      if (writes_seen++ > 0) return;
      auto t = operator_client->getTraits(uuid);
      REQUIRE(t.ok());
      auto with_race = t->traits;
      with_race.insert("CUSTOM_RACE");
      REQUIRE(operator_client->putTraits(uuid, t->generation, with_race).ok());
    };
    auto raced = agent.syncOnce();
    REQUIRE(raced.ok());
    CHECK(raced->conflicts == 1);
    auto now = operator_client->getTraits(uuid);
    REQUIRE(now.ok());
    CHECK(now->traits.contains("CUSTOM_RACE"));
    CHECK_FALSE(now->traits.contains("COMPUTE_IOMMU_MODEL_VIRTIO"));
  }

  SECTION("placement down: a clear error; back on the same database: in sync again") {
    placement.stop();
    auto down = agent.syncOnce();
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(down.error().message, Catch::Contains("cannot reach " + placement.url()));
    placement.start();
    auto back = agent.syncOnce();
    REQUIRE(back.ok());
    CHECK_FALSE(back->created);
    CHECK_FALSE(back->traits_written);
  }
}

TEST_CASE("a provider lost by placement is created again under the same UUID") {
  TempDir tmp;
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "aarch64-kvm-libvirt9");
  AgentConfig config;
  config.host = "cn-sync-2";
  config.instances_path = (tmp.path / "instances").string();
  std::string url;
  unsigned short port = 0;
  {
    LivePlacement placement(tmp.path / "first.db");
    url = placement.url();
    port = static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
    Agent agent(config, fileFactsSource(facts.string()), clientFor(url));
    REQUIRE(agent.syncOnce().ok());
  }
  // A new placement with an empty database on the same port, as after a restore.
  LivePlacement placement(tmp.path / "second.db", port);
  if (placement.url() != url) STRATUS_SKIP("port " << port << " was taken in between");
  Agent agent(config, fileFactsSource(facts.string()), clientFor(url));
  auto report = agent.syncOnce();
  REQUIRE(report.ok());
  CHECK(report->created);
  CHECK(agent.providerSync().providerUuid() == providerUuidFor("cn-sync-2"));
  auto traits = clientFor(url)->getTraits(providerUuidFor("cn-sync-2"));
  REQUIRE(traits.ok());
  CHECK(traits->traits.contains("COMPUTE_IOMMU_MODEL_SMMUV3"));
  CHECK(traits->traits.contains("CUSTOM_MEM_PAGE_SIZE_524288"));
  CHECK(traits->traits.contains("HW_ARCH_AARCH64"));
}

namespace {

placement_client::Inventory customInventory(std::int64_t total) {
  placement_client::Inventory inv;
  inv.total = total;
  inv.max_unit = total;
  return inv;
}

// An operator's `openstack resource provider inventory set --resource CLASS=N --amend`:
// the class created, then the provider's inventories PUT whole with it added.
void operatorAmends(placement_client::PlacementClient& op, const std::string& uuid,
                    const std::string& rc, std::int64_t total) {
  REQUIRE(op.ensureResourceClass(rc).ok());
  auto inv = op.getInventories(uuid);
  REQUIRE(inv.ok());
  auto amended = inv->inventories;
  amended[rc] = customInventory(total);
  REQUIRE(op.putInventories(uuid, inv->generation, amended).ok());
}

ProviderConfigs configFrom(const std::string& yaml) {
  auto parsed = parseProviderConfig("/etc/stratus/provider_config/test.yaml", yaml);
  REQUIRE(parsed.ok());
  return *parsed;
}

}  // namespace

TEST_CASE("an operator's inventory of another class survives every sync") {
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "x86-kvm-libvirt9");
  AgentConfig config;
  config.host = "cn-sync-3";
  config.instances_path = (tmp.path / "instances").string();
  Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  auto op = clientFor(placement.url());
  REQUIRE(agent.syncOnce().ok());
  const std::string uuid = agent.providerSync().providerUuid();
  operatorAmends(*op, uuid, "CUSTOM_X", 4);

  // The first sync sees the operator's write; the second has nothing to do.
  for (int i = 0; i < 2; ++i) {
    const auto before = placement.writes();
    auto again = agent.syncOnce();
    REQUIRE(again.ok());
    CHECK_FALSE(again->inventories_written);
    CHECK(placement.writes() == before);
  }
  // A change of the agent's own classes is written with the operator's class kept.
  useFacts(facts, "aarch64-kvm-libvirt9");
  auto changed = agent.syncOnce();
  REQUIRE(changed.ok());
  CHECK(changed->inventories_written);
  auto inv = op->getInventories(uuid);
  REQUIRE(inv.ok());
  REQUIRE(inv->inventories.contains("CUSTOM_X"));
  CHECK(inv->inventories.at("CUSTOM_X") == customInventory(4));
  CHECK(inv->inventories.contains("VCPU"));
  // And by a new agent on the same host, as after a restart.
  Agent restarted(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  REQUIRE(restarted.syncOnce().ok());
  auto after = op->getInventories(uuid);
  REQUIRE(after.ok());
  CHECK(after->inventories.contains("CUSTOM_X"));
}

TEST_CASE("an operator's inventory written between the agent's read and its write is kept") {
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "x86-kvm-libvirt9");
  AgentConfig config;
  config.host = "cn-sync-7";
  config.instances_path = (tmp.path / "instances").string();
  Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  auto op = clientFor(placement.url());
  REQUIRE(agent.syncOnce().ok());
  const std::string uuid = agent.providerSync().providerUuid();
  useFacts(facts, "aarch64-kvm-libvirt9");  // the agent's VCPU and MEMORY_MB change
  int writes_seen = 0;
  agent.providerSync().before_write = [&] {
    if (writes_seen++ == 0) operatorAmends(*op, uuid, "CUSTOM_RACE", 5);
  };
  auto raced = agent.syncOnce();
  REQUIRE(raced.ok());
  CHECK(raced->conflicts == 1);
  CHECK(raced->inventories_written);
  auto inv = op->getInventories(uuid);
  REQUIRE(inv.ok());
  REQUIRE(inv->inventories.contains("CUSTOM_RACE"));
  CHECK(inv->inventories.at("CUSTOM_RACE") == customInventory(5));
  CHECK(inv->inventories.at("VCPU").total == 8);
}

TEST_CASE(
    "provider config files add custom inventories and traits, and take them off again when "
    "the file stops saying them, and the operator's stay") {
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "x86-kvm-libvirt9");
  AgentConfig config;
  config.host = "cn-sync-4";
  config.instances_path = (tmp.path / "instances").string();
  const std::string meta = "meta:\n  schema_version: '1.0'\nproviders:\n";
  config.provider_configs = configFrom(meta + R"(  - identification: {uuid: $COMPUTE_NODE}
    inventories:
      additional:
        - CUSTOM_FPGA_SLOTS: {total: 2, reserved: 1, allocation_ratio: 1.5}
    traits:
      additional: [CUSTOM_RACK_7, CUSTOM_SSD]
  - identification: {name: some-other-host}
    traits:
      additional: [CUSTOM_NEVER]
)");
  auto op = clientFor(placement.url());
  const std::string uuid = providerUuidFor("cn-sync-4");
  {
    Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
    auto first = agent.syncOnce();
    REQUIRE(first.ok());
    CHECK(first->traits_added.contains("CUSTOM_RACK_7"));
    auto inv = op->getInventories(uuid);
    REQUIRE(inv.ok());
    REQUIRE(inv->inventories.contains("CUSTOM_FPGA_SLOTS"));
    const auto& fpga = inv->inventories.at("CUSTOM_FPGA_SLOTS");
    CHECK(fpga.total == 2);
    CHECK(fpga.reserved == 1);
    CHECK(fpga.min_unit == 1);
    CHECK(fpga.max_unit == 2147483647);
    CHECK(fpga.step_size == 1);
    CHECK(fpga.allocation_ratio == 1.5);
    auto traits = op->getTraits(uuid);
    REQUIRE(traits.ok());
    CHECK(traits->traits.contains("CUSTOM_RACK_7"));
    CHECK(traits->traits.contains("CUSTOM_SSD"));
    auto other = op->findProviderByName("some-other-host");
    REQUIRE(other.ok());
    CHECK_FALSE(other->has_value());  // a provider the agent does not manage is not made

    const auto before = placement.writes();
    auto again = agent.syncOnce();
    REQUIRE(again.ok());
    CHECK(placement.writes() == before);
    // The operator adds a class and a trait of their own by hand.
    operatorAmends(*op, uuid, "CUSTOM_BY_HAND", 3);
    REQUIRE(op->ensureTrait("CUSTOM_HAND_TRAIT").ok());
    auto t = op->getTraits(uuid);
    REQUIRE(t.ok());
    auto with_hand = t->traits;
    with_hand.insert("CUSTOM_HAND_TRAIT");
    REQUIRE(op->putTraits(uuid, t->generation, with_hand).ok());
  }
  // Restarted with the file changed: FPGA slots and CUSTOM_SSD are gone from it.
  config.provider_configs = configFrom(meta + R"(  - identification: {name: cn-sync-4}
    traits:
      additional: [CUSTOM_RACK_7]
)");
  Agent restarted(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  auto r = restarted.syncOnce();
  REQUIRE(r.ok());
  CHECK(r->traits_removed == std::set<std::string>{"CUSTOM_SSD"});
  auto inv = op->getInventories(uuid);
  REQUIRE(inv.ok());
  CHECK_FALSE(inv->inventories.contains("CUSTOM_FPGA_SLOTS"));
  CHECK(inv->inventories.contains("CUSTOM_BY_HAND"));
  CHECK(inv->inventories.contains("VCPU"));
  auto traits = op->getTraits(uuid);
  REQUIRE(traits.ok());
  CHECK(traits->traits.contains("CUSTOM_RACK_7"));
  CHECK(traits->traits.contains("CUSTOM_HAND_TRAIT"));
  CHECK_FALSE(traits->traits.contains("CUSTOM_SSD"));
}

TEST_CASE("a provider config that names one provider twice stops the first sync, writing nothing") {
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "x86-kvm-libvirt9");
  AgentConfig config;
  config.host = "cn-sync-5";
  config.instances_path = (tmp.path / "instances").string();
  config.provider_configs = configFrom(
      "meta: {schema_version: '1.0'}\nproviders:\n"
      "  - identification: {name: cn-sync-5}\n    traits: {additional: [CUSTOM_A]}\n"
      "  - identification: {uuid: " +
      providerUuidFor("cn-sync-5") + "}\n    traits: {additional: [CUSTOM_B]}\n");
  Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  const auto before = placement.writes();
  auto r = agent.syncOnce();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(r.error().message ==
        "/etc/stratus/provider_config/test.yaml: providers[1].identification='uuid " +
            providerUuidFor("cn-sync-5") +
            "' is invalid: it names provider cn-sync-5, which "
            "/etc/stratus/provider_config/test.yaml: providers[0] names too; allowed: one "
            "entry per provider");
  CHECK(placement.writes() == before);
}

TEST_CASE(
    "on a PCI provider: an operator's class survives, a provider config adds by name, the "
    "device class is still the agent's") {
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  // The captured host with one whole device, bound to vfio-pci.
  auto host = virt::loadHostFacts(kHosts + "x86-kvm-libvirt9.json");
  REQUIRE(host.ok());
  virt::PciDeviceFacts gpu;
  gpu.address = "0000:05:00.0";
  gpu.vendor_id = "10de";
  gpu.product_id = "1eb8";
  gpu.class_id = "030200";
  gpu.iommu_group = 5;
  gpu.iommu_group_members = {"0000:05:00.0"};
  gpu.driver = "vfio-pci";
  host->pci_devices = {gpu};
  const fs::path facts = tmp.path / "facts.json";
  std::ofstream(facts) << virt::hostFactsToJson(*host).dump();

  AgentConfig config;
  config.host = "cn-sync-6";
  config.instances_path = (tmp.path / "instances").string();
  auto spec = pci::parseDeviceSpec(R"({"vendor_id": "10de", "product_id": "1eb8"})");
  REQUIRE(spec.ok());
  config.pci.device_specs = *spec;
  const std::string gpu_name = "cn-sync-6_0000:05:00.0";
  const std::string gpu_uuid = providerUuidFor(gpu_name);
  config.provider_configs = configFrom(
      "meta: {schema_version: '1.0'}\nproviders:\n"
      "  - identification: {name: " +
      gpu_name +
      "}\n    inventories:\n      additional:\n"
      "        - CUSTOM_GPU_SLICES: {total: 8}\n"
      "    traits: {additional: [CUSTOM_ML]}\n");
  auto op = clientFor(placement.url());
  {
    Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
    auto first = agent.syncOnce();
    REQUIRE(first.ok());
    CHECK(first->pci_added == std::set<std::string>{gpu_name});
    auto inv = op->getInventories(gpu_uuid);
    REQUIRE(inv.ok());
    CHECK(inv->inventories.contains("CUSTOM_PCI_10DE_1EB8"));
    REQUIRE(inv->inventories.contains("CUSTOM_GPU_SLICES"));
    CHECK(inv->inventories.at("CUSTOM_GPU_SLICES").total == 8);
    auto traits = op->getTraits(gpu_uuid);
    REQUIRE(traits.ok());
    CHECK(traits->traits == std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_ML"});

    operatorAmends(*op, gpu_uuid, "CUSTOM_BY_HAND", 2);
    const auto before = placement.writes();
    auto again = agent.syncOnce();
    REQUIRE(again.ok());
    CHECK(again->pci_updated.empty());
    CHECK(placement.writes() == before);
  }
  // Restarted with no config files and the device given a class of its own: the files'
  // class and trait go, the old device class goes (it was the agent's), the operator's stays.
  config.provider_configs = {};
  auto renamed = pci::parseDeviceSpec(
      R"({"vendor_id": "10de", "product_id": "1eb8", "resource_class": "gpu"})");
  REQUIRE(renamed.ok());
  config.pci.device_specs = *renamed;
  Agent restarted(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  auto r = restarted.syncOnce();
  REQUIRE(r.ok());
  CHECK(r->pci_updated == std::set<std::string>{gpu_name});
  auto inv = op->getInventories(gpu_uuid);
  REQUIRE(inv.ok());
  std::set<std::string> classes;
  for (const auto& [rc, i] : inv->inventories) classes.insert(rc);
  CHECK(classes == std::set<std::string>{"CUSTOM_BY_HAND", "CUSTOM_GPU"});
  auto traits = op->getTraits(gpu_uuid);
  REQUIRE(traits.ok());
  CHECK(traits->traits == std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE"});
}
