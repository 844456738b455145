#include "virt/pci_facts.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "virt/kernel_pci_probe.h"
#include "virt/nodedev_parse.h"
#include "virt/pci_test_hosts.h"
#include "virt/test_hosts.h"

using namespace stratus::virt;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("an SR-IOV PF with two VFs is a type-PF with its maxCount and VFs") {
  REQUIRE_LAB_CAPTURE();
  auto pf = testing::labDevice("nodedev/igb-pf-with-2-vfs.xml");
  CHECK(pf.address == "0000:01:00.0");
  CHECK(pf.vendor_id == "8086");
  CHECK(pf.product_id == "10c9");
  CHECK(pf.class_id == "020000");
  CHECK(pf.dev_type == PciDevType::kPf);
  CHECK_FALSE(pf.parent_addr);
  CHECK(pf.vf_max == 7);
  CHECK(pf.vfs == std::vector<std::string>{"0000:01:10.0", "0000:01:10.2"});
  CHECK(pf.driver == "igb");
  CHECK(pf.iommu_group == 8);
  CHECK(pf.iommu_group_members == std::vector<std::string>{"0000:01:00.0"});
  CHECK_FALSE(pf.numa_node);  // no <numa>: the device's node is not known
  CHECK_FALSE(pf.iommu_unit);
  CHECK_FALSE(pf.vfio_cdev);
}

TEST_CASE("a PF before its VFs exist is still a type-PF, with none") {
  REQUIRE_LAB_CAPTURE();
  auto pf = testing::labDevice("nodedev/igb-pf-before-vfs.xml");
  CHECK(pf.dev_type == PciDevType::kPf);
  CHECK(pf.vf_max == 7);
  CHECK(pf.vfs.empty());
}

TEST_CASE("a VF names its PF; one bound to vfio-pci says so") {
  REQUIRE_LAB_CAPTURE();
  auto vf0 = testing::labDevice("nodedev/igb-vf0.xml");
  CHECK(vf0.address == "0000:01:10.0");
  CHECK(vf0.dev_type == PciDevType::kVf);
  CHECK(vf0.parent_addr == "0000:01:00.0");
  CHECK(vf0.product_id == "10ca");
  CHECK(vf0.driver == "igbvf");
  CHECK(vf0.vf_max == 0);
  auto vf1 = testing::labDevice("nodedev/igb-vf1-bound-vfio-pci.xml");
  CHECK(vf1.address == "0000:01:10.2");  // <slot>16</slot> is decimal
  CHECK(vf1.driver == "vfio-pci");
  CHECK(vf1.iommu_group == 12);
}

TEST_CASE("a whole e1000e and an NVMe drive are type-PCI") {
  REQUIRE_LAB_CAPTURE();
  auto nic = testing::labDevice("nodedev/e1000e.xml");
  CHECK(nic.address == "0000:02:00.0");
  CHECK(nic.dev_type == PciDevType::kPci);
  CHECK(nic.driver == "e1000e");
  auto nvme = testing::labDevice("nodedev/nvme.xml");
  CHECK(nvme.address == "0000:03:00.0");
  CHECK(nvme.vendor_id == "1b36");
  CHECK(nvme.product_id == "0010");
  CHECK(nvme.class_id == "010802");
  CHECK(nvme.dev_type == PciDevType::kPci);
  CHECK(nvme.iommu_group == 10);
}

TEST_CASE("devices behind the pxb-pcie carry NUMA node 1, the others none") {
  REQUIRE_LAB_CAPTURE();
  auto devices = testing::labNumaHostDevices();
  REQUIRE(devices.size() == 9);
  auto node = [&](const char* address) {
    const auto* d = findPciDevice(devices, address);
    REQUIRE(d != nullptr);
    return d->numa_node;
  };
  CHECK(node("0000:81:00.0") == 1);
  CHECK(node("0000:81:10.0") == 1);
  CHECK(node("0000:81:10.2") == 1);
  CHECK_FALSE(node("0000:01:00.0"));
  CHECK_FALSE(node("0000:00:07.0"));
  const auto* vf = findPciDevice(devices, "0000:81:10.2");
  CHECK(vf->address == "0000:81:10.2");  // <bus>129</bus> is decimal: 0x81
  CHECK(vf->parent_addr == "0000:81:00.0");
  // The captured 01:00.0 lists no VFs although 01:10.0 names it: the link pass adds it.
  const auto* pf = findPciDevice(devices, "0000:01:00.0");
  CHECK(pf->vfs == std::vector<std::string>{"0000:01:10.0"});
  CHECK(findPciDevice(devices, "0000:81:00.0")->vfs ==
        std::vector<std::string>{"0000:81:10.0", "0000:81:10.2"});
  CHECK(findPciDevice(devices, "0000:00:07.0")->driver == std::nullopt);  // pxb: no driver
  // Sorted by address.
  CHECK(devices.front().address == "0000:00:07.0");
  CHECK(devices.back().address == "0000:81:10.2");
}

TEST_CASE("node device XML that is not a PCI device is refused with the device's name") {
  auto msg = [](const std::string& xml) {
    auto r = parsePciNodeDevice(xml);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == stratus::ErrorCode::kInternal);
    return r.error().message;
  };
  CHECK(msg("<device") == "libvirt returned node device XML that is not well-formed");
  CHECK(msg("<device><name>net_lo</name><capability type='net'/></device>") ==
        "libvirt node device net_lo is not a PCI device we can read: no <capability type='pci'>");
  const std::string head =
      "<device><name>pci_x</name><capability type='pci'><domain>0</domain><bus>1</bus>";
  CHECK(msg(head + "<slot>32</slot><function>0</function></capability></device>") ==
        "libvirt node device pci_x is not a PCI device we can read: <slot> is '32'");
  CHECK(msg(head + "<slot>0</slot><function>0</function><vendor id='0x18086'/><product "
                   "id='0x1'/><class>0x1</class></capability></device>") ==
        "libvirt node device pci_x is not a PCI device we can read: <vendor id> is '0x18086'");
  CHECK(msg(head + "<slot>0</slot><function>0</function><vendor id='0x8086'/><product "
                   "id='0x1'/><class>0x1</class><iommuGroup number='2'><address domain='0x0' "
                   "bus='0x100' slot='0x0' function='0x0'/></iommuGroup></capability></device>") ==
        "libvirt node device pci_x is not a PCI device we can read: <address bus='0x100'>");
}

TEST_CASE("short ids and classes are zero-padded to their width") {
  auto r = parsePciNodeDevice(
      "<device><name>pci_0000_00_00_0</name><capability type='pci'><class>0x600</class>"
      "<domain>0</domain><bus>0</bus><slot>0</slot><function>0</function>"
      "<product id='0x29c0'/><vendor id='0x8086'/></capability></device>");
  REQUIRE(r.ok());
  CHECK(r->class_id == "000600");
  CHECK(r->address == "0000:00:00.0");
  CHECK_FALSE(r->iommu_group);
  CHECK_FALSE(r->driver);
}

namespace {
struct TempRoot {
  fs::path path = fs::temp_directory_path() / ("stratus-pciroot-" + std::to_string(::getpid()));
  TempRoot() { fs::create_directories(path); }
  ~TempRoot() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("sysfs gives the IOMMU unit and the VFIO cdev of a device") {
  TempRoot root;
  // Laid out as `lab.sh sysfs` copies it: relative links kept as the kernel has them.
  const fs::path dev = root.path / "sys/devices/pci0000:00/0000:00:04.0/0000:01:10.2";
  fs::create_directories(dev / "vfio-dev/vfio0");
  fs::create_directories(root.path / "sys/bus/pci/devices");
  fs::create_symlink("../../../devices/pci0000:00/0000:00:04.0/0000:01:10.2",
                     root.path / "sys/bus/pci/devices/0000:01:10.2");
  fs::create_symlink("../../../virtual/iommu/dmar0", dev / "iommu");
  std::vector<PciDeviceFacts> devices(2);
  devices[0].address = "0000:01:10.2";
  devices[1].address = "0000:02:00.0";  // not in sysfs at all
  addKernelPciFacts(devices, root.path);
  CHECK(devices[0].iommu_unit == "dmar0");
  CHECK(devices[0].vfio_cdev == "/dev/vfio/devices/vfio0");
  CHECK_FALSE(devices[1].iommu_unit);
  CHECK_FALSE(devices[1].vfio_cdev);
}

TEST_CASE("PCI devices survive the host facts JSON round trip with every key") {
  REQUIRE_LAB_CAPTURE();
  HostFacts facts = testing::testHost("x86-kvm-libvirt9");
  facts.pci_devices = testing::labHostDevices();
  facts.pci_devices[3].iommu_unit = "dmar0";
  facts.pci_devices[3].vfio_cdev = "/dev/vfio/devices/vfio1";
  json doc = hostFactsToJson(facts);
  REQUIRE(doc["pci_devices"].size() == 6);
  CHECK(doc["pci_devices"][3] == json::parse(R"({
    "address": "0000:01:10.2", "vendor_id": "8086", "product_id": "10ca", "class": "020000",
    "dev_type": "type-VF", "parent_addr": "0000:01:00.0", "numa_node": null,
    "iommu_group": 12, "iommu_group_members": ["0000:01:10.2"], "driver": "vfio-pci",
    "vf_max": 0, "vfs": [], "iommu_unit": "dmar0", "vfio_cdev": "/dev/vfio/devices/vfio1"})"));
  CHECK(doc["pci_devices"][1]["dev_type"] == "type-PF");
  CHECK(doc["pci_devices"][1]["vf_max"] == 7);
  auto back = hostFactsFromJson(doc);
  REQUIRE(back.ok());
  CHECK(hostFactsToJson(*back) == doc);
}

TEST_CASE("host facts without pci_devices still load, with none") {
  json doc = hostFactsToJson(testing::testHost("x86-kvm-libvirt9"));
  doc.erase("pci_devices");
  auto r = hostFactsFromJson(doc);
  REQUIRE(r.ok());
  CHECK(r->pci_devices.empty());
}

TEST_CASE("malformed pci_devices name the device and field") {
  json doc = hostFactsToJson(testing::testHost("x86-kvm-libvirt9"));
  const json good = {{"address", "0000:02:00.0"},
                     {"vendor_id", "8086"},
                     {"product_id", "10d3"},
                     {"class", "020000"},
                     {"dev_type", "type-PCI"}};
  auto with = [&](const json& patch) {
    json d = doc;
    json device = good;
    device.merge_patch(patch);
    d["pci_devices"] = json::array({device});
    auto r = hostFactsFromJson(d);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  {
    json d = doc;
    d["pci_devices"] = json::array({good});
    REQUIRE(hostFactsFromJson(d).ok());  // the optional keys may be absent
  }
  CHECK(with({{"address", "0000:02:00.0 "}}) ==
        "pci_devices[0].address='0000:02:00.0 ' is invalid; allowed: a lower-case PCI address "
        "like 0000:01:10.0");
  CHECK(with({{"address", "0000:02:20.0"}}) ==
        "pci_devices[0].address='0000:02:20.0' is invalid; allowed: a lower-case PCI address "
        "like 0000:01:10.0");
  CHECK(with({{"vendor_id", "0x8086"}}) ==
        "pci_devices[0].vendor_id='0x8086' is invalid; allowed: 4 lower-case hexadecimal digits "
        "without 0x");
  CHECK(with({{"class", 131072}}) ==
        "pci_devices[0].class='131072' is invalid: wrong type; allowed: a string");
  CHECK(with({{"dev_type", "type-VDPA"}}) ==
        "pci_devices[0].dev_type='type-VDPA' is invalid; allowed: type-PCI, type-PF, type-VF");
  CHECK(with({{"dev_type", "type-VF"}}) ==
        "pci_devices[0].parent_addr='null' is invalid: a type-VF needs its parent; allowed: the "
        "address of the VF's PF");
  CHECK(with({{"numa_node", "1"}}) ==
        "pci_devices[0].numa_node='\"1\"' is invalid: wrong type; allowed: a whole number or null");
  CHECK(with({{"vf_max", -1}}) ==
        "pci_devices[0].vf_max='-1' is invalid: wrong type; allowed: a whole number of at least 0");
  json twice = doc;
  twice["pci_devices"] = json::array({good, good});
  auto r = hostFactsFromJson(twice);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "pci_devices[1].address='0000:02:00.0' is invalid: the address is listed twice; allowed: "
        "each address once");
}
