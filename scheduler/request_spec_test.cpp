#include "scheduler/request_spec.h"

#include <catch2/catch.hpp>

#include "scheduler/prefilters.h"

using namespace stratus;
using namespace stratus::scheduler;

namespace {

pci::PciConfig aliases() {
  pci::PciConfig config;
  for (const char* text :
       {R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca"})",
        R"({"name": "fast", "resource_class": "fast_nic", "traits": "blue, big"})"}) {
    auto a = pci::parseAlias(text);
    REQUIRE(a.ok());
    config.aliases.insert(config.aliases.end(), a->begin(), a->end());
  }
  return config;
}

Result<RequestSpec> specFor(std::map<std::string, std::string> extra,
                            virt::ImageProperties image = {}) {
  virt::Flavor f{"m1", 2, 1024, 10, std::move(extra)};
  return buildRequestSpec(f, image, virt::VirtConfig{}, aliases());
}

PlacementQuery queryFor(std::map<std::string, std::string> extra) {
  auto s = specFor(std::move(extra));
  REQUIRE(s.ok());
  return buildPlacementQuery(*s, traits::TraitsConfig{});
}

}  // namespace

TEST_CASE("each requested PCI device is its own numbered group, in request order") {
  CHECK(queryFor({{"pci_passthrough:alias", "nic:2, fast:1"}}).queryString() ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED"
        "&resources1=CUSTOM_PCI_8086_10CA:1&resources2=CUSTOM_PCI_8086_10CA:1"
        "&resources3=CUSTOM_FAST_NIC:1&required3=CUSTOM_BIG,CUSTOM_BLUE"
        "&group_policy=none&limit=100");
  CHECK(queryFor({{"pci_passthrough:alias", "nic:2"}, {"group_policy", "isolate"}}).queryString() ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED"
        "&resources1=CUSTOM_PCI_8086_10CA:1&resources2=CUSTOM_PCI_8086_10CA:1"
        "&group_policy=isolate&limit=100");
}

TEST_CASE("without PCI requests there are no groups and no group_policy") {
  CHECK(queryFor({{"group_policy", "isolate"}}).queryString() ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED&limit=100");
}

TEST_CASE("describe names the PCI request behind the groups, for faults") {
  CHECK(queryFor({{"pci_passthrough:alias", "nic:3"}}).describe() ==
        "DISK_GB=10, MEMORY_MB=1024, VCPU=2; forbidden COMPUTE_STATUS_DISABLED; "
        "pci_passthrough:alias nic:3 as groups 1-3 (CUSTOM_PCI_8086_10CA=1 each), "
        "group_policy none");
  CHECK(queryFor({{"pci_passthrough:alias", "nic:1,fast:1"}, {"group_policy", "isolate"}})
            .describe() ==
        "DISK_GB=10, MEMORY_MB=1024, VCPU=2; forbidden COMPUTE_STATUS_DISABLED; "
        "pci_passthrough:alias nic:1 as group 1 (CUSTOM_PCI_8086_10CA=1); "
        "pci_passthrough:alias fast:1 as group 2 (CUSTOM_FAST_NIC=1; required CUSTOM_BIG, "
        "CUSTOM_BLUE), group_policy isolate");
}

TEST_CASE("a request spec refuses what PCI and placement cannot honour") {
  auto bad_policy = specFor({{"pci_passthrough:alias", "nic:1"}, {"group_policy", "spread"}});
  REQUIRE_FALSE(bad_policy.ok());
  CHECK(bad_policy.error().code == ErrorCode::kInvalidArgument);
  CHECK(bad_policy.error().message ==
        "group_policy='spread' is invalid: not a placement group policy; allowed: none, isolate");
  auto unknown = specFor({{"pci_passthrough:alias", "gpu:1"}});
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::StartsWith("pci_passthrough:alias='gpu:1'"));
  CHECK_THAT(unknown.error().message, Catch::Contains("fast, nic"));
  // Without [pci] no alias is defined: never scheduled without its device.
  virt::Flavor f{"m1", 1, 512, 1, {{"pci_passthrough:alias", "nic:1"}}};
  auto no_config = buildRequestSpec(f, {}, virt::VirtConfig{});
  REQUIRE_FALSE(no_config.ok());
  CHECK_THAT(no_config.error().message, Catch::Contains("none: [pci] alias defines no alias"));
  auto differ =
      specFor({{"pci_passthrough:alias", "nic:1"}, {"hw:pci_numa_affinity_policy", "required"}},
              {{"hw_pci_numa_affinity_policy", "preferred"}});
  REQUIRE_FALSE(differ.ok());
  CHECK_THAT(differ.error().message, Catch::Contains("hw:pci_numa_affinity_policy='required'"));
  CHECK_THAT(differ.error().message, Catch::Contains("hw_pci_numa_affinity_policy='preferred'"));
}
