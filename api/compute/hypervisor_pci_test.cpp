#include "api/compute/hypervisor_pci.h"

#include <catch2/catch.hpp>

using namespace stratus::api;
using namespace stratus::api::compute;
using nlohmann::json;

TEST_CASE("hypervisor show: PCI providers with usage, traits and the servers holding them",
          "[api][pci]") {
  PciProviderState pf{"pf-uuid",
                      "cn1_0000:01:00.0",
                      {},
                      {{"CUSTOM_PCI_8086_10CA", 2}},
                      {"COMPUTE_MANAGED_PCI_DEVICE"}};
  pf.inventories["CUSTOM_PCI_8086_10CA"].total = 7;
  pf.inventories["CUSTOM_PCI_8086_10CA"].reserved = 1;
  PciProviderState nvme{"nvme-uuid", "cn1_0000:03:00.0", {}, {}, {"COMPUTE_MANAGED_PCI_DEVICE"}};
  nvme.inventories["CUSTOM_PCI_1B36_0010"].total = 1;
  std::map<std::string, ServerRecord> servers;
  servers["s1"].name = "vm1";
  servers["s1"].allocations = {{"cn-uuid", {{"resources", {{"VCPU", 1}}}}},
                               {"pf-uuid", {{"resources", {{"CUSTOM_PCI_8086_10CA", 2}}}}}};
  servers["s2"].name = "vm2";  // no PCI: holds nothing here

  // The agent's record: VF 01:10.2 of the PF is s1's; the facts say whose VF it is.
  const std::map<std::string, std::string> owners = {{"0000:01:10.2", "s1"}};
  const json facts = json::parse(R"({"pci_devices": [
    {"address": "0000:01:00.0", "parent_addr": null},
    {"address": "0000:01:10.2", "parent_addr": "0000:01:00.0"}]})");
  const json view = pciProvidersView({nvme, pf}, servers, owners, facts);
  CHECK(view == json::parse(R"([
    {"name": "cn1_0000:01:00.0", "uuid": "pf-uuid",
     "resources": {"CUSTOM_PCI_8086_10CA": {"total": 7, "reserved": 1, "used": 2}},
     "traits": ["COMPUTE_MANAGED_PCI_DEVICE"],
     "servers": [{"id": "s1", "name": "vm1", "units": 2}],
     "devices": [{"address": "0000:01:10.2", "server_id": "s1"}]},
    {"name": "cn1_0000:03:00.0", "uuid": "nvme-uuid",
     "resources": {"CUSTOM_PCI_1B36_0010": {"total": 1, "reserved": 0, "used": 0}},
     "traits": ["COMPUTE_MANAGED_PCI_DEVICE"],
     "servers": [], "devices": []}])"));
}
