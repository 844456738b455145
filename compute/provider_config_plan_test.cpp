#include "compute/provider_config_plan.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace stratus;
using namespace stratus::compute;

namespace {

const std::string kRootUuid = "0f6c3b0e-6f1a-5d2e-9a1b-2c3d4e5f6a7b";
const std::string kNic = "cn1_0000:02:00.0";

placement_client::Inventory inventory(std::int64_t total) {
  placement_client::Inventory inv;
  inv.total = total;
  inv.max_unit = total;
  return inv;
}

DesiredProvider root() {
  DesiredProvider r;
  r.name = "cn1";
  r.inventories = {{"VCPU", inventory(4)}, {"MEMORY_MB", inventory(1024)}};
  r.traits = {"HW_ARCH_X86_64", "CUSTOM_MEM_PAGE_SIZE_2048"};
  r.owned_classes = kComputeNodeClasses;
  return r;
}

std::vector<DesiredPciProvider> pciPlan() {
  DesiredPciProvider nic;
  nic.name = kNic;
  nic.uuid = providerUuidFor(kNic);
  nic.address = "0000:02:00.0";
  nic.inventories = {{"CUSTOM_PCI_8086_10D3", inventory(1)}};
  nic.traits = {"COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_BLUE"};
  nic.owned_classes = {"CUSTOM_PCI_8086_10D3"};
  return {nic};
}

ProviderConfigEntry entry(ProviderConfigEntry::By by, const std::string& id, int index,
                          placement_client::Inventories inventories, std::set<std::string> traits) {
  ProviderConfigEntry e;
  e.by = by;
  e.id = id;
  e.source = "/p/a.yaml: providers[" + std::to_string(index) + "]";
  e.inventories = std::move(inventories);
  e.traits = std::move(traits);
  return e;
}

const auto kName = ProviderConfigEntry::By::kName;
const auto kUuid = ProviderConfigEntry::By::kUuid;

Result<ResolvedProviderConfig> resolve(std::vector<ProviderConfigEntry> entries) {
  ProviderConfigs configs;
  configs.entries = std::move(entries);
  return resolveProviderConfigs(configs, root(), kRootUuid, pciPlan(), traits::TraitsConfig{});
}

}  // namespace

TEST_CASE("config entries find the compute node and PCI providers by name or uuid") {
  auto r = resolve({entry(kName, "cn1", 0, {{"CUSTOM_X", inventory(4)}}, {"CUSTOM_GOLD"}),
                    entry(kUuid, providerUuidFor(kNic), 1, {}, {"CUSTOM_NIC"}),
                    entry(kName, "elsewhere", 2, {}, {"CUSTOM_A"}),
                    entry(kUuid, "11111111-2222-4333-8444-555555555555", 3, {}, {"CUSTOM_A"})});
  REQUIRE(r.ok());
  REQUIRE(r->by_uuid.size() == 2);
  CHECK(r->by_uuid.at(kRootUuid).inventories ==
        placement_client::Inventories{{"CUSTOM_X", inventory(4)}});
  CHECK(r->by_uuid.at(kRootUuid).traits == std::set<std::string>{"CUSTOM_GOLD"});
  CHECK(r->by_uuid.at(providerUuidFor(kNic)).traits == std::set<std::string>{"CUSTOM_NIC"});
  CHECK(r->skipped == std::vector<std::string>{"/p/a.yaml: providers[2] (name elsewhere)",
                                               "/p/a.yaml: providers[3] (uuid "
                                               "11111111-2222-4333-8444-555555555555)"});
}

TEST_CASE("$COMPUTE_NODE is the compute node unless an entry names it itself, as in Nova") {
  auto only = resolve({entry(kUuid, "$COMPUTE_NODE", 0, {}, {"CUSTOM_ANY"})});
  REQUIRE(only.ok());
  CHECK(only->by_uuid.at(kRootUuid).traits == std::set<std::string>{"CUSTOM_ANY"});
  auto named = resolve({entry(kUuid, "$COMPUTE_NODE", 0, {}, {"CUSTOM_ANY"}),
                        entry(kName, "cn1", 1, {}, {"CUSTOM_MINE"})});
  REQUIRE(named.ok());
  CHECK(named->by_uuid.at(kRootUuid).traits == std::set<std::string>{"CUSTOM_MINE"});
}

TEST_CASE("matching refusals name the entry, the value and the rule") {
  auto twice = resolve(
      {entry(kName, "cn1", 0, {}, {"CUSTOM_A"}), entry(kUuid, kRootUuid, 1, {}, {"CUSTOM_B"})});
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == ErrorCode::kInvalidArgument);
  CHECK(twice.error().message ==
        "/p/a.yaml: providers[1].identification='uuid " + kRootUuid +
            "' is invalid: it names provider cn1, which /p/a.yaml: providers[0] names too; "
            "allowed: one entry per provider");

  auto pci_class = resolve({entry(kName, kNic, 0, {{"CUSTOM_PCI_8086_10D3", inventory(1)}}, {})});
  REQUIRE_FALSE(pci_class.ok());
  CHECK(pci_class.error().message ==
        "/p/a.yaml: providers[0].inventories.additional='CUSTOM_PCI_8086_10D3' is invalid: the "
        "agent reports CUSTOM_PCI_8086_10D3 on " +
            kNic +
            " itself; allowed: a custom class the "
            "agent does not report on " +
            kNic);

  auto pci_trait = resolve({entry(kName, kNic, 0, {}, {"CUSTOM_BLUE"})});
  REQUIRE_FALSE(pci_trait.ok());
  CHECK(pci_trait.error().message ==
        "/p/a.yaml: providers[0].traits.additional='CUSTOM_BLUE' is invalid: the agent sets "
        "CUSTOM_BLUE on " +
            kNic + " itself; allowed: a custom trait the agent does not set on " + kNic);

  // A page size the host does not have today is still the agent's to set.
  auto page = resolve({entry(kUuid, "$COMPUTE_NODE", 0, {}, {"CUSTOM_MEM_PAGE_SIZE_1048576"})});
  REQUIRE_FALSE(page.ok());
  CHECK(page.error().message ==
        "/p/a.yaml: providers[0].traits.additional='CUSTOM_MEM_PAGE_SIZE_1048576' is invalid: "
        "the agent sets CUSTOM_MEM_PAGE_SIZE_1048576 on cn1 itself; allowed: a custom trait the "
        "agent does not set on cn1");
}

TEST_CASE("applying: additions go in, and what was published before may be taken off") {
  ResolvedProviderConfig resolved;
  resolved.by_uuid[kRootUuid] = {{{"CUSTOM_X", inventory(4)}}, {"CUSTOM_GOLD"}};
  resolved.by_uuid[providerUuidFor(kNic)] = {{{"CUSTOM_NIC_SLOTS", inventory(2)}}, {"CUSTOM_NIC"}};
  PublishedRecord before;
  before[kRootUuid].config_classes = {"CUSTOM_OLD"};
  before[kRootUuid].config_traits = {"CUSTOM_OLD_TRAIT"};
  before[providerUuidFor(kNic)].classes = {"CUSTOM_PCI_OLD"};

  DesiredProvider r = root();
  auto p = pciPlan();
  PublishedRecord next = applyProviderConfig(r, kRootUuid, p, resolved, before);
  CHECK(r.inventories.contains("CUSTOM_X"));
  CHECK(r.inventories.contains("VCPU"));
  CHECK(r.traits.contains("CUSTOM_GOLD"));
  CHECK(r.owned_classes == std::set<std::string>{"CUSTOM_OLD", "DISK_GB", "MEMORY_MB", "VCPU"});
  CHECK(r.owned_traits == std::set<std::string>{"CUSTOM_OLD_TRAIT"});
  CHECK(p[0].inventories.contains("CUSTOM_NIC_SLOTS"));
  CHECK(p[0].traits ==
        std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_BLUE", "CUSTOM_NIC"});
  CHECK(p[0].owned_classes == std::set<std::string>{"CUSTOM_PCI_8086_10D3", "CUSTOM_PCI_OLD"});

  PublishedRecord want;
  want[kRootUuid] = {{}, {"CUSTOM_X"}, {"CUSTOM_GOLD"}};
  want[providerUuidFor(kNic)] = {{"CUSTOM_PCI_8086_10D3"}, {"CUSTOM_NIC_SLOTS"}, {"CUSTOM_NIC"}};
  CHECK(next == want);
  CHECK_FALSE(covers(before, next));
  const PublishedRecord both = unionOf(before, next);
  CHECK(covers(both, next));
  CHECK(covers(both, before));
  CHECK(both.at(kRootUuid).config_classes == std::set<std::string>{"CUSTOM_OLD", "CUSTOM_X"});

  // Nothing configured and nothing published before: the compute node gets no entry.
  DesiredProvider plain = root();
  std::vector<DesiredPciProvider> none;
  CHECK(applyProviderConfig(plain, kRootUuid, none, {}, {}).empty());
  CHECK(plain.owned_classes == kComputeNodeClasses);
}

TEST_CASE("the published record survives a save and a load, and a bad one names the file") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("published-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string path = publishedRecordPath(dir.string(), "cn1");
  CHECK(path == (dir / "published-cn1.json").string());
  auto empty = loadPublishedRecord(path);
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  PublishedRecord record;
  record[kRootUuid] = {{}, {"CUSTOM_X"}, {"CUSTOM_GOLD"}};
  record[providerUuidFor(kNic)] = {{"CUSTOM_PCI_8086_10D3"}, {}, {}};
  REQUIRE(savePublishedRecord(path, record).ok());
  auto loaded = loadPublishedRecord(path);
  REQUIRE(loaded.ok());
  CHECK(*loaded == record);

  std::ofstream(path) << R"({"providers": {"x": {"classes": "CUSTOM_A"}}})";
  auto bad = loadPublishedRecord(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kFailedPrecondition);
  CHECK(bad.error().message ==
        "published record " + path +
            ": is not {\"providers\": {\"<uuid>\": {\"classes\": [...], \"config_classes\": "
            "[...], \"config_traits\": [...]}}}");
  fs::remove_all(dir);
}
