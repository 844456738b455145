#include "virt/iommufd_plan.h"

#include <catch2/catch.hpp>

using namespace stratus::virt;

namespace {

// The VFIO lab's L1 as far as the decision reads it: libvirt 12.9, domcaps hostdev iommufd
// yes/no, /dev/iommu, a bound VF with its cdev.
HostFacts iommufdHost() {
  HostFacts h;
  h.arch = "x86_64";
  h.libvirt_version = {12, 9, 0};
  GuestArchFacts x86;
  x86.arch = "x86_64";
  x86.hostdev_iommufd = std::vector<std::string>{"yes", "no"};
  h.guests.push_back(x86);
  h.iommu.dev_iommu = true;
  h.iommu.vfio_cdev = true;
  return h;
}

PciDeviceFacts vf(const char* address, std::optional<std::string> cdev) {
  PciDeviceFacts d;
  d.address = address;
  d.vfio_cdev = std::move(cdev);
  return d;
}

}  // namespace

TEST_CASE("[pci] iommufd takes auto, yes or no and names the rest") {
  CHECK(*parseIommufdMode("auto", "[pci] iommufd") == IommufdMode::kAuto);
  CHECK(*parseIommufdMode("yes", "[pci] iommufd") == IommufdMode::kYes);
  CHECK(*parseIommufdMode("no", "[pci] iommufd") == IommufdMode::kNo);
  auto bad = parseIommufdMode("true", "[pci] iommufd");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == stratus::ErrorCode::kInvalidArgument);
  CHECK(bad.error().message == "[pci] iommufd='true' is invalid; allowed: auto, yes, no");
}

TEST_CASE("a host that can use iommufd has no gaps; each missing piece is named") {
  CHECK(iommufdHostGaps(iommufdHost(), "x86_64").empty());
  HostFacts old = iommufdHost();
  old.libvirt_version = {12, 0, 0};
  CHECK(iommufdHostGaps(old, "x86_64") ==
        std::vector<std::string>{"libvirt 12.0.0 is older than 12.1.0"});
  HostFacts bare;
  bare.libvirt_version = {9, 0, 0};
  CHECK(iommufdHostGaps(bare, "x86_64") ==
        std::vector<std::string>{
            "libvirt 9.0.0 is older than 12.1.0",
            "libvirt's domain capabilities for x86_64 do not list hostdev iommufd 'yes'",
            "/dev/iommu is missing (kernel without iommufd)",
            "no VFIO device cdev under /dev/vfio/devices (kernel without VFIO_DEVICE_CDEV, or "
            "no device bound to vfio-pci yet)"});
  HostFacts no_yes = iommufdHost();
  no_yes.guests[0].hostdev_iommufd = std::vector<std::string>{"no"};  // libvirt 12.9, no kernel
  CHECK(iommufdHostGaps(no_yes, "x86_64") ==
        std::vector<std::string>{
            "libvirt's domain capabilities for x86_64 do not list hostdev iommufd 'yes'"});
  CHECK(iommufdHostGaps(iommufdHost(), "aarch64") ==
        std::vector<std::string>{
            "libvirt's domain capabilities for aarch64 do not list hostdev iommufd 'yes'"});
}

TEST_CASE("auto gives iommufd to devices with a cdev at start, legacy otherwise") {
  const HostFacts host = iommufdHost();
  const auto bound = vf("0000:01:10.0", "/dev/vfio/devices/vfio0");
  const auto unbound = vf("0000:01:10.2", std::nullopt);
  CHECK(useIommufd(IommufdMode::kAuto, host, "x86_64", &bound, false));
  CHECK(useIommufd(IommufdMode::kAuto, host, "x86_64", &unbound, true));  // libvirt binds it
  CHECK_FALSE(useIommufd(IommufdMode::kAuto, host, "x86_64", &unbound, false));
  CHECK_FALSE(useIommufd(IommufdMode::kAuto, host, "x86_64", nullptr, true));
  HostFacts no_cdevs = host;
  no_cdevs.iommu.vfio_cdev = false;
  CHECK_FALSE(useIommufd(IommufdMode::kAuto, no_cdevs, "x86_64", &unbound, true));
  HostFacts no_dev_iommu = host;
  no_dev_iommu.iommu.dev_iommu = false;
  CHECK_FALSE(useIommufd(IommufdMode::kAuto, no_dev_iommu, "x86_64", &bound, true));
  CHECK_FALSE(useIommufd(IommufdMode::kNo, host, "x86_64", &bound, true));
  CHECK(useIommufd(IommufdMode::kYes, host, "x86_64", &unbound, false));
}

TEST_CASE("iommufd = yes is refused on a host that cannot, naming what it lacks") {
  CHECK(validateIommufdMode(IommufdMode::kYes, iommufdHost(), "x86_64").ok());
  HostFacts stock = iommufdHost();  // the lab's stock Debian kernel: no CONFIG_IOMMUFD
  stock.iommu.dev_iommu = false;
  stock.iommu.vfio_cdev = false;
  stock.guests[0].hostdev_iommufd = std::vector<std::string>{"no"};
  CHECK(validateIommufdMode(IommufdMode::kAuto, stock, "x86_64").ok());
  CHECK(validateIommufdMode(IommufdMode::kNo, stock, "x86_64").ok());
  auto refused = validateIommufdMode(IommufdMode::kYes, stock, "x86_64");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == stratus::ErrorCode::kInvalidArgument);
  CHECK(refused.error().message ==
        "[pci] iommufd='yes' is invalid: this host cannot use iommufd: libvirt's domain "
        "capabilities for x86_64 do not list hostdev iommufd 'yes'; /dev/iommu is missing "
        "(kernel without iommufd); no VFIO device cdev under /dev/vfio/devices (kernel without "
        "VFIO_DEVICE_CDEV, or no device bound to vfio-pci yet); allowed: auto, no");
}

TEST_CASE("a guest's hostdevs are all iommufd or all legacy: QEMU aborts on a mix") {
  const HostFacts host = iommufdHost();
  const auto bound = vf("0000:01:10.0", "/dev/vfio/devices/vfio0");
  const auto unbound = vf("0000:01:10.2", std::nullopt);
  // auto: every device has (or, managed, will get) a cdev, so all of them use iommufd.
  CHECK(
      useIommufdForGuest(IommufdMode::kAuto, host, "x86_64", {{&bound, false}, {&unbound, true}}));
  // One unmanaged, unbound device gets no cdev at start: legacy for every device, the
  // bound one included.
  CHECK_FALSE(
      useIommufdForGuest(IommufdMode::kAuto, host, "x86_64", {{&bound, true}, {&unbound, false}}));
  CHECK_FALSE(
      useIommufdForGuest(IommufdMode::kAuto, host, "x86_64", {{&bound, true}, {nullptr, true}}));
  CHECK_FALSE(useIommufdForGuest(IommufdMode::kAuto, host, "x86_64", {}));
  // yes and no do not look at the devices.
  CHECK(useIommufdForGuest(IommufdMode::kYes, host, "x86_64", {{&unbound, false}}));
  CHECK_FALSE(useIommufdForGuest(IommufdMode::kNo, host, "x86_64", {{&bound, true}}));
}

TEST_CASE("vfioCdevGap names why a hostdev will have no VFIO cdev at start, and its driver") {
  const HostFacts host = iommufdHost();
  auto bound = vf("0000:01:10.0", "/dev/vfio/devices/vfio0");
  bound.driver = "vfio-pci";
  auto on_igbvf = vf("0000:81:10.0", std::nullopt);
  on_igbvf.driver = "igbvf";
  auto no_driver = vf("0000:01:10.2", std::nullopt);
  CHECK(vfioCdevGap(host, bound, false).empty());
  CHECK(vfioCdevGap(host, on_igbvf, true).empty());  // libvirt binds a managed one itself
  CHECK(vfioCdevGap(host, on_igbvf, false) ==
        "it is unmanaged and bound to igbvf, not vfio-pci, so it has no VFIO cdev "
        "(/dev/vfio/devices/vfioN) when the guest starts");
  CHECK(vfioCdevGap(host, no_driver, false) ==
        "it is unmanaged and bound to no driver, not vfio-pci, so it has no VFIO cdev "
        "(/dev/vfio/devices/vfioN) when the guest starts");
  auto vfio_no_cdev = vf("0000:01:10.2", std::nullopt);
  vfio_no_cdev.driver = "vfio-pci";
  CHECK(vfioCdevGap(host, vfio_no_cdev, false) ==
        "it is unmanaged and bound to vfio-pci, but has no VFIO cdev");
  HostFacts no_cdevs = host;
  no_cdevs.iommu.vfio_cdev = false;
  CHECK(vfioCdevGap(no_cdevs, on_igbvf, true) ==
        "it is bound to igbvf and this host's kernel shows no VFIO cdev");
}
