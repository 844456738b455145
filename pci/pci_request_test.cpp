#include "pci/pci_request.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::pci;

namespace {

PciConfig config() {
  PciConfig c;
  auto a = parseAlias(R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca",
                          "device_type": "type-VF", "traits": "blue"})");
  REQUIRE(a.ok());
  auto b = parseAlias(R"({"name": "nvme", "resource_class": "nvme_disk",
                          "numa_policy": "required"})");
  REQUIRE(b.ok());
  c.aliases = {a->front(), b->front()};
  return c;
}

std::string aliasSpecError(const std::string& value) {
  auto r = parseAliasSpec(value);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(r.error().key == "pci_passthrough:alias");
  CHECK(r.error().value == value);
  return r.error().message;
}

}  // namespace

TEST_CASE("pci_passthrough:alias takes NAME:COUNT items separated by commas") {
  auto r = parseAliasSpec(" nic:2 ,nvme:1");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0] == std::pair<std::string, int>{"nic", 2});
  CHECK((*r)[1] == std::pair<std::string, int>{"nvme", 1});
}

TEST_CASE("a malformed pci_passthrough:alias names the item and the form") {
  const std::string form = "; allowed: NAME:COUNT[, NAME:COUNT...] with COUNT an integer >= 1";
  CHECK(aliasSpecError("") == "pci_passthrough:alias='' is invalid: it names no alias" + form);
  CHECK(aliasSpecError("nic") ==
        "pci_passthrough:alias='nic' is invalid: item 'nic' has no ':COUNT'" + form);
  CHECK(aliasSpecError("nic:0") ==
        "pci_passthrough:alias='nic:0' is invalid: the count of 'nic' is '0', not an integer >= 1" +
            form);
  CHECK(aliasSpecError("nic:-1") == "pci_passthrough:alias='nic:-1' is invalid: the count of "
                                    "'nic' is '-1', not an integer >= 1" +
                                        form);
  CHECK(aliasSpecError("nic:two") == "pci_passthrough:alias='nic:two' is invalid: the count of "
                                     "'nic' is 'two', not an integer >= 1" +
                                         form);
  CHECK(aliasSpecError("nic:1,,nvme:1") ==
        "pci_passthrough:alias='nic:1,,nvme:1' is invalid: it has an empty item" + form);
  CHECK(aliasSpecError("nic:1,") ==
        "pci_passthrough:alias='nic:1,' is invalid: it has an empty item" + form);
  CHECK(aliasSpecError(":1") == "pci_passthrough:alias=':1' is invalid: item ':1' has no alias name" +
                                    form);
  CHECK(aliasSpecError("nic:1, nic:2") ==
        "pci_passthrough:alias='nic:1, nic:2' is invalid: alias 'nic' is named twice" + form);
}

TEST_CASE("each alias becomes a request with its resource class, traits and policy") {
  auto r = pciRequestsFrom({{"pci_passthrough:alias", "nic:2, nvme:1"}}, {}, config());
  REQUIRE(r.ok());
  REQUIRE(r->requests.size() == 2);
  CHECK(r->deviceCount() == 3);
  const PciRequest& nic = r->requests[0];
  CHECK(nic.alias == "nic");
  CHECK(nic.count == 2);
  CHECK(nic.resource_class == "CUSTOM_PCI_8086_10CA");
  CHECK(nic.traits == std::vector<std::string>{"CUSTOM_BLUE"});
  CHECK(nic.numa_policy == NumaPolicy::kLegacy);
  CHECK(nic.numa_policy_source == "[pci] alias nic");
  const PciRequest& nvme = r->requests[1];
  CHECK(nvme.resource_class == "CUSTOM_NVME_DISK");
  CHECK(nvme.numa_policy == NumaPolicy::kRequired);
  CHECK(r->strictestPolicy() == NumaPolicy::kRequired);
}

TEST_CASE("no pci_passthrough:alias asks for no device") {
  auto r = pciRequestsFrom({{"hw:viommu_model", "auto"}}, {}, config());
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("an alias [pci] does not define is refused, listing the defined ones") {
  auto r = pciRequestsFrom({{"pci_passthrough:alias", "gpu:1"}}, {}, config());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(r.error().message ==
        "pci_passthrough:alias='gpu:1' is invalid: alias 'gpu' is not defined in [pci] alias; "
        "allowed: nic, nvme");
  auto none = pciRequestsFrom({{"pci_passthrough:alias", "gpu:1"}}, {}, PciConfig{});
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message ==
        "pci_passthrough:alias='gpu:1' is invalid: alias 'gpu' is not defined in [pci] alias; "
        "allowed: none: [pci] alias defines no alias");
}

TEST_CASE("the flavor's or the image's policy overrides the alias's") {
  auto f = pciRequestsFrom(
      {{"pci_passthrough:alias", "nvme:1"}, {"hw:pci_numa_affinity_policy", "preferred"}}, {},
      config());
  REQUIRE(f.ok());
  CHECK(f->requests[0].numa_policy == NumaPolicy::kPreferred);
  CHECK(f->requests[0].numa_policy_source == "hw:pci_numa_affinity_policy");
  auto i = pciRequestsFrom({{"pci_passthrough:alias", "nic:1"}},
                           {{"hw_pci_numa_affinity_policy", "socket"}}, config());
  REQUIRE(i.ok());
  CHECK(i->requests[0].numa_policy == NumaPolicy::kSocket);
  CHECK(i->requests[0].numa_policy_source == "hw_pci_numa_affinity_policy");
  auto same = pciRequestsFrom(
      {{"pci_passthrough:alias", "nic:1"}, {"hw:pci_numa_affinity_policy", "socket"}},
      {{"hw_pci_numa_affinity_policy", "socket"}}, config());
  REQUIRE(same.ok());
}

TEST_CASE("flavor and image naming different policies is refused naming both") {
  auto r = pciRequestsFrom(
      {{"pci_passthrough:alias", "nic:1"}, {"hw:pci_numa_affinity_policy", "required"}},
      {{"hw_pci_numa_affinity_policy", "preferred"}}, config());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(r.error().message ==
        "hw:pci_numa_affinity_policy='required' is invalid: the image's "
        "hw_pci_numa_affinity_policy='preferred' differs from the flavor's; allowed: the same "
        "value in both, or only one of them");
}

TEST_CASE("a policy value outside Nova's four is refused naming the key") {
  auto s = validatePciNumaPolicy("hw:pci_numa_affinity_policy", "strict");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "hw:pci_numa_affinity_policy='strict' is invalid; allowed: required, legacy, preferred, "
        "socket");
  auto r = pciRequestsFrom({}, {{"hw_pci_numa_affinity_policy", "Required"}}, config());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "hw_pci_numa_affinity_policy");
  CHECK(validatePciNumaPolicy("hw_pci_numa_affinity_policy", "legacy").ok());
}
