#include "compute/pci_provider_plan.h"

#include <catch2/catch.hpp>

#include "common/uuid.h"
#include "compute/compute_config.h"
#include "virt/pci_test_hosts.h"

using namespace stratus;
using namespace stratus::compute;

namespace {

pci::PciConfig pciConfig(const std::vector<std::string>& specs) {
  pci::PciConfig c;
  for (const auto& text : specs) {
    auto s = pci::parseDeviceSpec(text);
    INFO(text);
    REQUIRE(s.ok());
    for (auto& one : *s) c.device_specs.push_back(one);
  }
  return c;
}

placement_client::Inventories oneClass(const std::string& rc, std::int64_t total,
                                       std::int64_t reserved) {
  placement_client::Inventory inv;
  inv.total = total;
  inv.reserved = reserved;
  inv.min_unit = 1;
  inv.max_unit = total;
  inv.step_size = 1;
  inv.allocation_ratio = 1.0;
  return {{rc, inv}};
}

}  // namespace

TEST_CASE("the PCI children: names, uuids, inventories with reserved, and exactly the traits") {
  REQUIRE_LAB_CAPTURE();
  // managed=no: the VF on igbvf (01:10.0) is reserved, the one on vfio-pci is free.
  auto plan = desiredPciProviders(
      "cn1", virt::testing::labHostDevices(),
      pciConfig({R"({"vendor_id": "8086", "product_id": "10ca", "managed": "no"})",
                 R"({"address": "0000:02:00.0", "traits": "blue, big"})",
                 R"({"vendor_id": "1b36", "product_id": "0010", "resource_class": "nvme"})"}));
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 3);

  const DesiredPciProvider& vfs = (*plan)[0];
  CHECK(vfs.name == "cn1_0000:01:00.0");
  CHECK(vfs.uuid == providerUuidFor("cn1_0000:01:00.0"));
  CHECK(vfs.address == "0000:01:00.0");
  CHECK(vfs.inventories == oneClass("CUSTOM_PCI_8086_10CA", 2, 1));
  CHECK(vfs.traits == std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE"});

  const DesiredPciProvider& nic = (*plan)[1];
  CHECK(nic.name == "cn1_0000:02:00.0");
  CHECK(nic.uuid == providerUuidFor("cn1_0000:02:00.0"));
  CHECK(nic.inventories == oneClass("CUSTOM_PCI_8086_10D3", 1, 0));
  CHECK(nic.traits ==
        std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_BIG", "CUSTOM_BLUE"});

  const DesiredPciProvider& nvme = (*plan)[2];
  CHECK(nvme.name == "cn1_0000:03:00.0");
  CHECK(nvme.inventories == oneClass("CUSTOM_NVME", 1, 0));
  CHECK(nvme.traits == std::set<std::string>{"COMPUTE_MANAGED_PCI_DEVICE"});
}

TEST_CASE("the PCI children of a two-node host: one provider per PF whose VFs match") {
  REQUIRE_LAB_CAPTURE();
  auto plan = desiredPciProviders("cn-numa", virt::testing::labNumaHostDevices(),
                                  pciConfig({R"({"vendor_id": "8086", "product_id": "10ca"})"}));
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 2);
  CHECK((*plan)[0].name == "cn-numa_0000:01:00.0");
  CHECK((*plan)[1].name == "cn-numa_0000:81:00.0");
  CHECK((*plan)[1].uuid == providerUuidFor("cn-numa_0000:81:00.0"));
  CHECK((*plan)[1].inventories.at("CUSTOM_PCI_8086_10CA").total == 2);
}

TEST_CASE("no device_spec: no PCI children") {
  REQUIRE_LAB_CAPTURE();
  auto plan = desiredPciProviders("cn1", virt::testing::labHostDevices(), pci::PciConfig{});
  REQUIRE(plan.ok());
  CHECK(plan->empty());
}

TEST_CASE("a [pci] that does not fit the host's devices is the plan's error") {
  REQUIRE_LAB_CAPTURE();
  auto plan = desiredPciProviders("cn1", virt::testing::labHostDevices(),
                                  pciConfig({R"({"vendor_id": "8086", "product_id": "10c9"})",
                                             R"({"vendor_id": "8086", "product_id": "10ca"})"}));
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().code == ErrorCode::kInvalidArgument);
  CHECK(plan.error().message ==
        R"([pci] device_spec='{"vendor_id": "8086", "product_id": "10ca"}' is invalid: it )"
        R"(matches VF 0000:01:10.0 of PF 0000:01:00.0, which device_spec {"vendor_id": "8086", )"
        R"("product_id": "10c9"} matches; allowed: device specs that match either a PF or its )"
        "VFs, not both");
}

TEST_CASE("a PCI provider's name gives back its device address") {
  CHECK(pciAddressOfProviderName("cn1", "cn1_0000:81:00.0") == "0000:81:00.0");
  CHECK(pciAddressOfProviderName("cn_1", "cn_1_0000:0A:00.0") == "0000:0a:00.0");
  CHECK(pciAddressOfProviderName("cn1", "other_0000:01:00.0") == "other_0000:01:00.0");
}

TEST_CASE("the agent's config carries [pci] and [libvirt] kernel_root") {
  auto ini = IniConfig::parse(
      "[libvirt]\nkernel_root = /srv/lab-sysfs\n"
      "[pci]\ndevice_spec = {\"vendor_id\": \"8086\", \"product_id\": \"10ca\"}\n"
      "alias = {\"name\": \"nic\", \"vendor_id\": \"8086\", \"product_id\": \"10ca\"}\n",
      "test.conf");
  REQUIRE(ini.ok());
  AgentConfig config;
  REQUIRE(applyIni(*ini, config).ok());
  CHECK(config.virt.kernel_root == "/srv/lab-sysfs");
  REQUIRE(config.pci.device_specs.size() == 1);
  CHECK(config.pci.device_specs[0].vendor_id == std::optional<std::string>("8086"));
  REQUIRE(config.pci.aliases.size() == 1);
  CHECK(config.pci.aliases[0].name == "nic");
  CHECK(AgentConfig{}.virt.kernel_root == "/");
}

TEST_CASE("an empty [libvirt] kernel_root is refused") {
  auto ini = IniConfig::parse("[libvirt]\nkernel_root =\n", "test.conf");
  REQUIRE(ini.ok());
  AgentConfig config;
  auto s = applyIni(*ini, config);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kInvalidArgument);
  CHECK(s.error().message ==
        "[libvirt] kernel_root='' is invalid; allowed: a directory, / for this host's own kernel");
}

TEST_CASE("a bad [pci] value stops the agent's config with its message") {
  auto ini = IniConfig::parse("[pci]\ndevice_spec = {\"vendor_id\": 8086}\n", "test.conf");
  REQUIRE(ini.ok());
  AgentConfig config;
  auto s = applyIni(*ini, config);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kInvalidArgument);
  CHECK(s.error().message ==
        R"([pci] device_spec='{"vendor_id": 8086}' is invalid: vendor_id is a JSON number (8086) )"
        R"(where a string belongs; allowed: a JSON string, e.g. "vendor_id": "8086")");
}
