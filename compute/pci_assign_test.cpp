#include "compute/pci_assign.h"

#include <catch2/catch.hpp>

#include "common/uuid.h"
#include "virt/pci_test_hosts.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::compute;
using nlohmann::json;

namespace {

const std::string kServerA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kServerB = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string kServerC = "cccccccc-0000-4000-8000-000000000003";

pci::PciConfig config(const std::vector<std::string>& specs) {
  pci::PciConfig c;
  for (const auto& text : specs) {
    auto s = pci::parseDeviceSpec(text);
    INFO(text);
    REQUIRE(s.ok());
    for (auto& one : *s) c.device_specs.push_back(one);
  }
  return c;
}

virt::HostFacts labHost() {
  auto facts = virt::testing::testHost("x86-kvm-libvirt9");
  facts.pci_devices = virt::testing::labHostDevices();
  return facts;
}

// The lab host's igb VFs (01:10.0, 01:10.2) counted by cn1_0000:01:00.0, the e1000e
// 02:00.0 as a whole device with managed no.
pci::PciConfig labConfig() {
  return config({R"({"vendor_id": "8086", "product_id": "10ca"})",
                 R"({"address": "0000:02:00.0", "managed": "no"})"});
}

json vfAllocation(int n) {
  return {{providerUuidFor("cn1"), {{"resources", {{"VCPU", 1}, {"MEMORY_MB", 256}}}}},
          {providerUuidFor("cn1_0000:01:00.0"), {{"resources", {{"CUSTOM_PCI_8086_10CA", n}}}}}};
}

std::vector<std::string> addresses(const std::vector<AssignedDevice>& devices) {
  std::vector<std::string> out;
  for (const auto& d : devices) out.push_back(d.address);
  return out;
}

}  // namespace

TEST_CASE("pci assign: VFs of the allocated PF provider, lowest free address first") {
  REQUIRE_LAB_CAPTURE();
  auto a = assignPciDevices(vfAllocation(1), "cn1", labHost(), labConfig(), kServerA, {});
  REQUIRE(a.ok());
  REQUIRE(a->size() == 1);
  CHECK((*a)[0].address == "0000:01:10.0");
  CHECK((*a)[0].provider == "cn1_0000:01:00.0");
  CHECK((*a)[0].managed);
  CHECK((*a)[0].numa_node == std::nullopt);

  auto b = assignPciDevices(vfAllocation(1), "cn1", labHost(), labConfig(), kServerB,
                            {{"0000:01:10.0", kServerA}});
  REQUIRE(b.ok());
  CHECK(addresses(*b) == std::vector<std::string>{"0000:01:10.2"});

  auto both = assignPciDevices(vfAllocation(2), "cn1", labHost(), labConfig(), kServerA, {});
  REQUIRE(both.ok());
  CHECK(addresses(*both) == std::vector<std::string>{"0000:01:10.0", "0000:01:10.2"});
}

TEST_CASE("pci assign: not enough free devices names the provider and the owners") {
  REQUIRE_LAB_CAPTURE();
  const std::string uuid = providerUuidFor("cn1_0000:01:00.0");
  auto c = assignPciDevices(vfAllocation(1), "cn1", labHost(), labConfig(), kServerC,
                            {{"0000:01:10.0", kServerA}, {"0000:01:10.2", kServerB}});
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == ErrorCode::kFailedPrecondition);
  CHECK(c.error().message == "PCI provider cn1_0000:01:00.0 (" + uuid +
                                 ") has 0 free of 2 CUSTOM_PCI_8086_10CA device(s), and server " +
                                 kServerC + " needs 1; taken: 0000:01:10.0 (server " + kServerA +
                                 "), 0000:01:10.2 (server " + kServerB + ")");
}

TEST_CASE("pci assign: a server that already owns devices gets the same ones again") {
  REQUIRE_LAB_CAPTURE();
  auto again = assignPciDevices(vfAllocation(1), "cn1", labHost(), labConfig(), kServerB,
                                {{"0000:01:10.2", kServerB}});
  REQUIRE(again.ok());
  CHECK(addresses(*again) == std::vector<std::string>{"0000:01:10.2"});
}

TEST_CASE("pci assign: a whole device carries managed from its spec; reserved is never taken") {
  REQUIRE_LAB_CAPTURE();
  const json alloc = {
      {providerUuidFor("cn1_0000:02:00.0"), {{"resources", {{"CUSTOM_PCI_8086_10D3", 1}}}}}};
  auto host = labHost();
  // The e1000e is on its host driver and managed is no: in use outside Stratus.
  auto refused = assignPciDevices(alloc, "cn1", host, labConfig(), kServerA, {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message ==
        "PCI provider cn1_0000:02:00.0 (" + providerUuidFor("cn1_0000:02:00.0") +
            ") has 0 free of 1 CUSTOM_PCI_8086_10D3 device(s), and server " + kServerA +
            " needs 1; taken: 0000:02:00.0 (in use outside Stratus)");
  for (auto& d : host.pci_devices) {
    if (d.address == "0000:02:00.0") d.driver = "vfio-pci";
  }
  auto ok = assignPciDevices(alloc, "cn1", host, labConfig(), kServerA, {});
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 1);
  CHECK((*ok)[0].address == "0000:02:00.0");
  CHECK_FALSE((*ok)[0].managed);
}

TEST_CASE("pci assign: the compute node alone gives no devices; bad shapes are refused") {
  REQUIRE_LAB_CAPTURE();
  const json node_only = {{providerUuidFor("cn1"), {{"resources", {{"VCPU", 1}}}}}};
  auto none = assignPciDevices(node_only, "cn1", labHost(), labConfig(), kServerA, {});
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(assignPciDevices(json::object(), "cn1", labHost(), labConfig(), kServerA, {})->empty());
  // A [pci] that does not fit the host's devices does not stop a guest without devices.
  const auto both = config({R"({"address": "0000:01:00.0"})", R"({"address": "0000:01:10.0"})"});
  CHECK(assignPciDevices(node_only, "cn1", labHost(), both, kServerA, {})->empty());
  auto refused = assignPciDevices(vfAllocation(1), "cn1", labHost(), both, kServerA, {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kInvalidArgument);

  auto list = assignPciDevices(json::array(), "cn1", labHost(), labConfig(), kServerA, {});
  REQUIRE_FALSE(list.ok());
  CHECK(list.error().message ==
        "allocations='[]' is invalid; allowed: an object of provider uuid -> {\"resources\": "
        "{...}}");

  const std::string uuid = providerUuidFor("cn1_0000:01:00.0");
  auto wrong_rc = assignPciDevices(json{{uuid, {{"resources", {{"CUSTOM_OTHER", 1}}}}}}, "cn1",
                                   labHost(), labConfig(), kServerA, {});
  REQUIRE_FALSE(wrong_rc.ok());
  CHECK(wrong_rc.error().code == ErrorCode::kFailedPrecondition);
  CHECK(wrong_rc.error().message ==
        "the allocation against PCI provider cn1_0000:01:00.0 asks for CUSTOM_OTHER, but the "
        "provider counts CUSTOM_PCI_8086_10CA");

  auto bad_count = assignPciDevices(json{{uuid, {{"resources", {{"CUSTOM_PCI_8086_10CA", "1"}}}}}},
                                    "cn1", labHost(), labConfig(), kServerA, {});
  REQUIRE_FALSE(bad_count.ok());
  CHECK(bad_count.error().message == "allocations[" + uuid +
                                         "].resources.CUSTOM_PCI_8086_10CA='\"1\"' is invalid; "
                                         "allowed: an integer >= 0");

  auto no_resources =
      assignPciDevices(json{{uuid, json::object()}}, "cn1", labHost(), labConfig(), kServerA, {});
  REQUIRE_FALSE(no_resources.ok());
  CHECK(no_resources.error().message == "allocations[" + uuid +
                                            "]='{}' is invalid; allowed: an object with a "
                                            "\"resources\" object");
}

TEST_CASE("pci assign: an allocation of a provider this host does not publish is refused") {
  REQUIRE_LAB_CAPTURE();
  json alloc = vfAllocation(1);
  const std::string stranger = providerUuidFor("cn2_0000:01:00.0");
  alloc[stranger] = {{"resources", {{"CUSTOM_PCI_8086_10CA", 1}}}};
  auto r = assignPciDevices(alloc, "cn1", labHost(), labConfig(), kServerA, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kFailedPrecondition);
  CHECK(r.error().message ==
        "provider " + stranger +
            " is neither cn1's compute node nor one of the 2 PCI providers its "
            "[pci] device_spec makes");
}
