// The agent's spawn and delete path on the dry-run driver (which renders the same XML as
// the libvirt one): devices from the allocation, their ownership across restarts.
#include "compute/spawner.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "common/uuid.h"
#include "compute/pci_ownership.h"
#include "virt/pci_test_hosts.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::compute;
using nlohmann::json;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/stratus-spawner-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

const std::string kA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kB = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string kC = "cccccccc-0000-4000-8000-000000000003";
const std::string kPf1 = "cn1_0000:81:00.0";  // VFs 81:10.0 and 81:10.2, NUMA node 1

// Two NUMA cells (CPUs 0-1 and 2-3, 4 GiB each) and the PCI devices of the lab's
// two-node capture.
virt::HostFacts numaHost() {
  auto facts = virt::testing::testHost("x86-kvm-libvirt9");
  facts.hostname = "cn1";
  facts.pci_devices = virt::testing::labNumaHostDevices();
  auto cell = facts.numa_cells.at(0);
  facts.numa_cells.clear();
  for (int i = 0; i < 2; ++i) {
    cell.id = i;
    cell.cpus = {2 * i, 2 * i + 1};
    cell.memory_kib = 4ULL * 1024 * 1024;
    facts.numa_cells.push_back(cell);
  }
  return facts;
}

AgentConfig agentConfig(const std::string& dir) {
  AgentConfig c;
  c.host = "cn1";
  c.instances_path = dir;
  auto specs = pci::parseDeviceSpec(R"({"vendor_id": "8086", "product_id": "10ca"})");
  REQUIRE(specs.ok());
  c.pci.device_specs = *specs;
  return c;
}

AgentTask spawnTask(const std::string& server, int vfs,
                    std::map<std::string, std::string> extra_specs = {
                        {"hw:pci_numa_affinity_policy", "required"}}) {
  AgentTask t;
  t.server_id = server;
  t.action = "spawn";
  t.instance_name = "stratus-" + server;
  t.flavor = virt::Flavor{t.instance_name, 2, 256, 0, std::move(extra_specs)};
  t.allocations = {{providerUuidFor("cn1"), {{"resources", {{"VCPU", 2}, {"MEMORY_MB", 256}}}}}};
  if (vfs > 0) {
    t.allocations[providerUuidFor(kPf1)] = {{"resources", {{"CUSTOM_PCI_8086_10CA", vfs}}}};
  }
  return t;
}

std::string hostdevXml(const std::string& address) {
  return "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
         "      <source>\n"
         "        <address domain=\"0x0000\" bus=\"0x" +
         address.substr(5, 2) + "\" slot=\"0x" + address.substr(8, 2) + "\" function=\"0x" +
         address.substr(11, 1) +
         "\"/>\n"
         "      </source>\n"
         "    </hostdev>\n";
}

std::vector<std::string> devicesOf(GuestDriver& driver, const std::string& server) {
  auto xml = driver.guestXml("stratus-" + server);
  REQUIRE(xml.ok());
  auto a = hostdevAddresses("stratus-" + server, *xml);
  REQUIRE(a.ok());
  return *a;
}

// Spawns and fails the test with the spawn's own message when it fails.
void spawnOk(Spawner& spawner, const AgentTask& task, const virt::HostFacts& facts) {
  auto model = spawner.spawn(task, facts);
  if (!model.ok()) FAIL(model.error().message);
}

}  // namespace

TEST_CASE("spawner: two spawns get different VFs, a third fails naming why, delete frees one") {
  REQUIRE_LAB_CAPTURE();
  TempDir dir;
  const auto config = agentConfig(dir.path);
  const auto facts = numaHost();
  auto driver = dryRunGuestDriver(config.virt);
  Spawner spawner(config, *driver);

  spawnOk(spawner, spawnTask(kA, 1), facts);
  spawnOk(spawner, spawnTask(kB, 1), facts);
  CHECK(devicesOf(*driver, kA) == std::vector<std::string>{"0000:81:10.0"});
  CHECK(devicesOf(*driver, kB) == std::vector<std::string>{"0000:81:10.2"});
  // The device is on node 1: required confines the guest there, vCPUs and memory.
  auto xml = driver->guestXml("stratus-" + kA);
  REQUIRE(xml.ok());
  CHECK(xml->find(hostdevXml("0000:81:10.0")) != std::string::npos);
  CHECK(xml->find("  <vcpu placement=\"static\" cpuset=\"2-3\">2</vcpu>\n"
                  "  <numatune>\n"
                  "    <memory mode=\"strict\" nodeset=\"1\"/>\n"
                  "  </numatune>\n") != std::string::npos);

  auto third = spawner.spawn(spawnTask(kC, 1), facts);
  REQUIRE_FALSE(third.ok());
  CHECK(third.error().code == ErrorCode::kFailedPrecondition);
  CHECK(third.error().message == "PCI provider " + kPf1 + " (" + providerUuidFor(kPf1) +
                                     ") has 0 free of 2 CUSTOM_PCI_8086_10CA device(s), and "
                                     "server " +
                                     kC + " needs 1; taken: 0000:81:10.0 (server " + kA +
                                     "), 0000:81:10.2 (server " + kB + ")");
  CHECK_FALSE(driver->guestXml("stratus-" + kC).ok());

  REQUIRE(spawner.destroy(kA, "stratus-" + kA).ok());
  CHECK(*loadOwnershipRecord(dir.path + "/pci_devices.json") == DeviceOwners{{"0000:81:10.2", kB}});
  spawnOk(spawner, spawnTask(kC, 1), facts);
  CHECK(devicesOf(*driver, kC) == std::vector<std::string>{"0000:81:10.0"});
}

TEST_CASE("spawner: after a restart ownership comes from the record and the guests") {
  REQUIRE_LAB_CAPTURE();
  TempDir dir;
  const auto config = agentConfig(dir.path);
  const auto facts = numaHost();
  auto driver = dryRunGuestDriver(config.virt);
  {
    Spawner before(config, *driver);
    spawnOk(before, spawnTask(kA, 1), facts);
  }
  // The record lost: the defined guest still owns its device.
  std::filesystem::remove(dir.path + "/pci_devices.json");
  Spawner after(config, *driver);
  CHECK(*after.owners() == DeviceOwners{{"0000:81:10.0", kA}});
  CHECK(*loadOwnershipRecord(dir.path + "/pci_devices.json") == DeviceOwners{{"0000:81:10.0", kA}});
  spawnOk(after, spawnTask(kB, 1), facts);
  CHECK(devicesOf(*driver, kB) == std::vector<std::string>{"0000:81:10.2"});
  // The spawn of A repeated after the restart reuses its device.
  spawnOk(after, spawnTask(kA, 1), facts);
  CHECK(*after.owners() == DeviceOwners{{"0000:81:10.0", kA}, {"0000:81:10.2", kB}});

  // The guests gone (a fresh dry run) but the record kept: nothing is given twice
  // either, until the API says the servers are placed nowhere.
  auto empty_driver = dryRunGuestDriver(config.virt);
  Spawner fresh(config, *empty_driver);
  CHECK_FALSE(fresh.spawn(spawnTask(kC, 1), facts).ok());
  REQUIRE(fresh.releaseUnplaced({kA}).ok());
  CHECK(*fresh.owners() == DeviceOwners{{"0000:81:10.0", kA}});
  spawnOk(fresh, spawnTask(kC, 1), facts);
  CHECK(devicesOf(*empty_driver, kC) == std::vector<std::string>{"0000:81:10.2"});
}

TEST_CASE("spawner: a guest without devices renders as before; the NUMA policy fallback") {
  REQUIRE_LAB_CAPTURE();
  TempDir dir;
  const auto config = agentConfig(dir.path);
  auto driver = dryRunGuestDriver(config.virt);
  Spawner spawner(config, *driver);
  spawnOk(spawner, spawnTask(kA, 0, {}), numaHost());
  auto xml = driver->guestXml("stratus-" + kA);
  REQUIRE(xml.ok());
  CHECK(xml->find("hostdev") == std::string::npos);
  CHECK(xml->find("numatune") == std::string::npos);
  CHECK(spawner.owners()->empty());

  // No aliases in the agent's [pci]: the flavor's policy key, else the image's, else legacy.
  virt::Flavor flavor{"f", 1, 256, 0, {{"pci_passthrough:alias", "nic:1"}}};
  auto legacy = numaPolicyForSpawn(flavor, {}, config.pci);
  REQUIRE(legacy.ok());
  CHECK(legacy->policy == pci::NumaPolicy::kLegacy);
  auto image =
      numaPolicyForSpawn(flavor, {{"hw_pci_numa_affinity_policy", "preferred"}}, config.pci);
  REQUIRE(image.ok());
  CHECK(image->policy == pci::NumaPolicy::kPreferred);
  CHECK(image->source == "hw_pci_numa_affinity_policy");
  flavor.extra_specs["hw:pci_numa_affinity_policy"] = "socket";
  CHECK(numaPolicyForSpawn(flavor, {}, config.pci)->policy == pci::NumaPolicy::kSocket);
  flavor.extra_specs["hw:pci_numa_affinity_policy"] = "nearby";
  auto bad = numaPolicyForSpawn(flavor, {}, config.pci);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("spawner: preferred places memory on the device's node without pinning vCPUs") {
  REQUIRE_LAB_CAPTURE();
  TempDir dir;
  const auto config = agentConfig(dir.path);
  auto driver = dryRunGuestDriver(config.virt);
  Spawner spawner(config, *driver);
  spawnOk(spawner, spawnTask(kA, 1, {{"hw:pci_numa_affinity_policy", "preferred"}}), numaHost());
  auto xml = driver->guestXml("stratus-" + kA);
  REQUIRE(xml.ok());
  CHECK(xml->find("  <vcpu placement=\"static\">2</vcpu>\n"
                  "  <numatune>\n"
                  "    <memory mode=\"preferred\" nodeset=\"1\"/>\n"
                  "  </numatune>\n") != std::string::npos);
}
