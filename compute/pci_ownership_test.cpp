#include "compute/pci_ownership.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "virt/pci_test_hosts.h"

using namespace stratus;
using namespace stratus::compute;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/stratus-pci-own-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

const std::string kA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kB = "bbbbbbbb-0000-4000-8000-000000000002";

}  // namespace

TEST_CASE("pci ownership: the record round-trips; a missing file is empty") {
  TempDir dir;
  const std::string path = dir.path + "/sub/pci_devices.json";
  auto empty = loadOwnershipRecord(path);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  const DeviceOwners owners{{"0000:01:10.0", kA}, {"0000:81:10.2", kB}};
  REQUIRE(saveOwnershipRecord(path, owners).ok());
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  auto back = loadOwnershipRecord(path);
  REQUIRE(back.ok());
  CHECK(*back == owners);
  REQUIRE(saveOwnershipRecord(path, {}).ok());
  CHECK(loadOwnershipRecord(path)->empty());
}

TEST_CASE("pci ownership: an unreadable record is an error naming the file") {
  TempDir dir;
  const std::string path = dir.path + "/pci_devices.json";
  std::ofstream(path) << "{\"devices\": [";
  auto bad = loadOwnershipRecord(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "PCI ownership record " + path +
            ": is not {\"devices\": {\"<PCI address>\": \"<server uuid>\"}}");
  std::ofstream(path) << R"({"devices": {"01:10.0": "x"}})";
  bad = loadOwnershipRecord(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "PCI ownership record " + path +
            ": entry 01:10.0: \"x\" is not a PCI address with a server uuid");
}

TEST_CASE("pci ownership: hostdev source addresses from libvirt's live XML") {
  REQUIRE_LAB_CAPTURE();
  // Captured from libvirt 12.9 in the VFIO lab: a VF behind an intel vIOMMU; the
  // guest-side <address type='pci'> of the hostdev is not a host device.
  auto live = virt::testing::readCapture("l2/c-viommu-vf/live.xml");
  auto a = hostdevAddresses("stratus-x", live);
  REQUIRE(a.ok());
  CHECK(*a == std::vector<std::string>{"0000:01:10.0"});
  auto none =
      hostdevAddresses("stratus-x", virt::testing::readCapture("l2/f-no-hostdev-locked/live.xml"));
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("pci ownership: what the renderer writes parses back; bad XML is refused") {
  const std::string xml =
      "<domain type='kvm'><name>n</name><devices>"
      "<hostdev mode='subsystem' type='pci' managed='no'><source>"
      "<address domain='0x0000' bus='0x81' slot='0x1f' function='0x7'/></source></hostdev>"
      "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source>"
      "</hostdev></devices></domain>";
  auto a = hostdevAddresses("stratus-x", xml);
  REQUIRE(a.ok());
  CHECK(*a == std::vector<std::string>{"0000:81:1f.7"});
  auto broken = hostdevAddresses("stratus-x", "<domain>");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message ==
        "domain XML of stratus-x='(unparsable)' is invalid; allowed: libvirt domain XML");
  auto out_of_range = hostdevAddresses(
      "stratus-x",
      "<domain><devices><hostdev mode='subsystem' type='pci'><source>"
      "<address domain='0x0000' bus='0x01' slot='0x20' function='0x0'/></source></hostdev>"
      "</devices></domain>");
  REQUIRE_FALSE(out_of_range.ok());
  CHECK(out_of_range.error().message ==
        "hostdev address of stratus-x='domain='0x0000' bus='0x01' slot='0x20' function='0x0'' "
        "is invalid; allowed: 0x-prefixed hex fields up to 0xffff:0xff:0x1f.0x7");
}

TEST_CASE("pci ownership: a device in a defined guest is owned even if the record lost it") {
  REQUIRE_LAB_CAPTURE();
  auto live = virt::testing::readCapture("l2/c-viommu-vf/live.xml");
  // The record says B owns 01:10.0 and 01:10.2; guest A really holds 01:10.0.
  auto rebuilt = rebuildOwnership({{"0000:01:10.0", kB}, {"0000:01:10.2", kB}}, {{kA, live}});
  REQUIRE(rebuilt.ok());
  CHECK(*rebuilt == DeviceOwners{{"0000:01:10.0", kA}, {"0000:01:10.2", kB}});
  auto lost = rebuildOwnership({}, {{kA, live}});
  REQUIRE(lost.ok());
  CHECK(*lost == DeviceOwners{{"0000:01:10.0", kA}});
}
