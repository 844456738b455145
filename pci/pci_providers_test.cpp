#include "pci/pci_providers.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "virt/pci_test_hosts.h"

using namespace stratus;
using namespace stratus::pci;
using nlohmann::json;

namespace {

PciConfig config(const std::vector<std::string>& specs) {
  PciConfig c;
  for (const auto& text : specs) {
    auto s = parseDeviceSpec(text);
    INFO(text);
    REQUIRE(s.ok());
    for (auto& one : *s) c.device_specs.push_back(one);
  }
  return c;
}

std::vector<PciProvider> plan(const std::vector<virt::PciDeviceFacts>& devices,
                              const std::vector<std::string>& specs,
                              const std::string& host = "cn1") {
  auto r = planPciProviders(host, devices, config(specs));
  if (!r.ok()) FAIL(r.error().message);
  return *r;
}

}  // namespace

TEST_CASE("matched VFs are counted by their PF's provider, whole devices by their own") {
  REQUIRE_LAB_CAPTURE();
  auto providers =
      plan(virt::testing::labHostDevices(),
           {R"({"vendor_id": "8086", "product_id": "10ca"})", R"({"address": "0000:02:00.0"})",
            R"({"vendor_id": "1b36", "product_id": "0010", "resource_class": "nvme",
                             "traits": "fast, local"})"});
  CHECK(pciProvidersToJson(providers) == json::parse(R"([
    {"name": "cn1_0000:01:00.0", "parent": "cn1", "resource_class": "CUSTOM_PCI_8086_10CA",
     "total": 2, "reserved": 0, "traits": ["COMPUTE_MANAGED_PCI_DEVICE"],
     "devices": ["0000:01:10.0", "0000:01:10.2"]},
    {"name": "cn1_0000:02:00.0", "parent": "cn1", "resource_class": "CUSTOM_PCI_8086_10D3",
     "total": 1, "reserved": 0, "traits": ["COMPUTE_MANAGED_PCI_DEVICE"],
     "devices": ["0000:02:00.0"]},
    {"name": "cn1_0000:03:00.0", "parent": "cn1", "resource_class": "CUSTOM_NVME",
     "total": 1, "reserved": 0,
     "traits": ["COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_FAST", "CUSTOM_LOCAL"],
     "devices": ["0000:03:00.0"]}])"));
  REQUIRE(providerCounting(providers, "0000:01:10.2") != nullptr);
  CHECK(providerCounting(providers, "0000:01:10.2")->name == "cn1_0000:01:00.0");
  CHECK(providerCounting(providers, "0000:01:00.0") == nullptr);  // the PF itself is not given
}

TEST_CASE("a matched PF is one whole device of its own ids") {
  REQUIRE_LAB_CAPTURE();
  auto providers = plan(virt::testing::labHostDevices(), {R"({"address": "0000:01:00.0"})"});
  REQUIRE(providers.size() == 1);
  CHECK(providers[0].name == "cn1_0000:01:00.0");
  CHECK(providers[0].resource_class == "CUSTOM_PCI_8086_10C9");
  CHECK(providers[0].total == 1);
  CHECK(providers[0].devices == std::vector<std::string>{"0000:01:00.0"});
}

TEST_CASE("with managed no, a device not on vfio-pci is reserved") {
  REQUIRE_LAB_CAPTURE();
  auto devices = virt::testing::labHostDevices();
  auto providers =
      plan(devices, {R"({"vendor_id": "8086", "product_id": "10ca", "managed": "no"})"});
  REQUIRE(providers.size() == 1);
  CHECK(providers[0].total == 2);
  CHECK(providers[0].reserved == 1);  // 01:10.0 is on igbvf, 01:10.2 on vfio-pci
  const auto spec = config({R"({"address": "0000:01:10.*", "managed": "no"})"}).device_specs[0];
  CHECK(reservedReason(*virt::findPciDevice(devices, "0000:01:10.0"), spec, devices) ==
        "managed is no and the device is on host driver igbvf, not vfio-pci");
  CHECK(reservedReason(*virt::findPciDevice(devices, "0000:01:10.2"), spec, devices).empty());
  // managed yes (the default): libvirt detaches it from igbvf itself.
  CHECK(plan(devices, {R"({"vendor_id": "8086", "product_id": "10ca"})"})[0].reserved == 0);
}

TEST_CASE("a device sharing its IOMMU group with an endpoint on a host driver is reserved") {
  virt::PciDeviceFacts gpu, audio, bridge;
  gpu.address = "0000:0a:00.0";
  gpu.vendor_id = "10de";
  gpu.product_id = "1eb8";
  gpu.class_id = "030200";
  gpu.iommu_group = 5;
  gpu.iommu_group_members = {"0000:00:1c.0", "0000:0a:00.0", "0000:0a:00.1"};
  audio = gpu;
  audio.address = "0000:0a:00.1";
  audio.product_id = "10f8";
  audio.class_id = "040300";
  audio.driver = "snd_hda_intel";
  bridge = gpu;
  bridge.address = "0000:00:1c.0";
  bridge.product_id = "a110";
  bridge.class_id = "060400";
  bridge.driver = "pcieport";
  std::vector<virt::PciDeviceFacts> devices = {bridge, gpu, audio};
  auto providers = plan(devices, {R"({"vendor_id": "10de", "product_id": "1eb8"})"}, "gpu-host");
  REQUIRE(providers.size() == 1);
  CHECK(providers[0].name == "gpu-host_0000:0A:00.0");  // the address upper-case
  CHECK(providers[0].reserved == 1);
  const auto spec = config({R"({"vendor_id": "10de"})"}).device_specs[0];
  CHECK(reservedReason(gpu, spec, devices) ==
        "IOMMU group 5 also holds 0000:0a:00.1 on host driver snd_hda_intel");
  devices[2].driver = "vfio-pci";  // the operator released the audio function too
  CHECK(plan(devices, {R"({"vendor_id": "10de", "product_id": "1eb8"})"})[0].reserved == 0);
}

TEST_CASE("on the NUMA host each PF whose VFs match gets a provider") {
  REQUIRE_LAB_CAPTURE();
  auto providers =
      plan(virt::testing::labNumaHostDevices(),
           {R"({"vendor_id": "8086", "product_id": "10ca", "traits": "sriov-nic"})"}, "lab-l1");
  REQUIRE(providers.size() == 2);
  CHECK(providers[0].name == "lab-l1_0000:01:00.0");
  CHECK(providers[0].total == 1);
  CHECK(providers[1].name == "lab-l1_0000:81:00.0");
  CHECK(providers[1].total == 2);
  CHECK(providers[1].devices == std::vector<std::string>{"0000:81:10.0", "0000:81:10.2"});
  CHECK(providers[1].traits ==
        std::vector<std::string>{"COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_SRIOV_NIC"});
}

TEST_CASE("no device_spec, or none that matches, publishes nothing") {
  REQUIRE_LAB_CAPTURE();
  CHECK(plan(virt::testing::labHostDevices(), {}).empty());
  CHECK(plan(virt::testing::labHostDevices(), {R"({"vendor_id": "10de"})"}).empty());
}

TEST_CASE("a config the host cannot publish is the validation's error") {
  REQUIRE_LAB_CAPTURE();
  auto r = planPciProviders("cn1", virt::testing::labHostDevices(),
                            config({R"({"vendor_id": "8086"})"}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(r.error().message ==
        R"([pci] device_spec='{"vendor_id": "8086"}' is invalid: it matches VF 0000:01:10.0 of )"
        "PF 0000:01:00.0, which it matches too; allowed: device specs that match either a PF or "
        "its VFs, not both");
}
