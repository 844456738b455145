#include "virt/smmu_topology.h"

#include <catch2/catch.hpp>

#include "virt/domain_render.h"
#include "virt/guest_plan.h"
#include "virt/guest_request.h"
#include "virt/host_traits.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::virt;

namespace {
constexpr const char* kTwoSmmu = "aarch64-kvm-2smmu-libvirt12";
constexpr const char* kUnitA = "smmu3.0x0000000009050000";
constexpr const char* kUnitB = "smmu3.0x0000000009060000";

std::vector<HostdevDef> devs(std::initializer_list<const char*> addrs) {
  std::vector<HostdevDef> out;
  for (const char* a : addrs) out.push_back({a});
  return out;
}
}  // namespace

TEST_CASE("per-bus smmuv3 needs aarch64, libvirt 11.10, QEMU 10.2 and UEFI") {
  HostFacts h = testing::testHost(kTwoSmmu);
  CHECK(perBusSmmuv3(h, "aarch64"));
  CHECK_FALSE(perBusSmmuv3(h, "x86_64"));
  HostFacts old = h;
  old.libvirt_version = Version{11, 9, 0};
  CHECK_FALSE(perBusSmmuv3(old, "aarch64"));
  old = h;
  for (auto& g : old.guests) g.qemu_version = Version{10, 1, 0};
  old.qemu_version = Version{10, 1, 0};
  CHECK_FALSE(perBusSmmuv3(old, "aarch64"));
  old = h;
  for (auto& g : old.guests) g.uefi = false;
  CHECK_FALSE(perBusSmmuv3(old, "aarch64"));
  CHECK_FALSE(perBusSmmuv3(testing::testHost("aarch64-kvm-libvirt9"), "aarch64"));
}

TEST_CASE("devices group by the host SMMU they sit behind; unknown units share one last group") {
  HostFacts h = testing::testHost(kTwoSmmu);
  auto g = groupBySmmu(devs({"0000:81:10.0", "0000:01:10.0", "0000:81:10.2", "0000:7f:00.0"}),
                       h.pci_devices);
  REQUIRE(g.size() == 3);
  CHECK(g[0].unit == kUnitB);
  CHECK(g[0].devices == std::vector<std::size_t>{0, 2});
  CHECK(g[1].unit == kUnitA);
  CHECK(g[1].devices == std::vector<std::size_t>{1});
  CHECK(g[2].unit.empty());
  CHECK(g[2].devices == std::vector<std::size_t>{3});
}

TEST_CASE("topology: one expander bus per SMMU, a root port per device, one smmuv3 per bus") {
  HostFacts h = testing::testHost(kTwoSmmu);
  DomainDef d;
  d.iommu = IommuDef{ViommuModel::kSmmuv3, {}, std::nullopt, Tristate::kAbsent};
  d.hostdevs = devs({"0000:01:10.0", "0000:81:10.0", "0000:01:10.2"});
  applySmmuTopology(d, h, false);
  CHECK_FALSE(d.iommu.has_value());
  REQUIRE(d.controllers.size() == 5);
  using M = PciControllerDef::Model;
  CHECK(d.controllers[0].model == M::kPcieExpanderBus);
  CHECK(d.controllers[0].index == 1);
  CHECK(d.controllers[0].bus_nr == 252u);
  CHECK(d.controllers[1].model == M::kPcieRootPort);
  CHECK(d.controllers[1].index == 3);
  CHECK(d.controllers[1].address->bus == 1);
  CHECK(d.controllers[2].index == 4);
  CHECK(d.controllers[2].address->bus == 1);
  CHECK(d.controllers[2].address->slot == 1);
  CHECK(d.controllers[3].model == M::kPcieExpanderBus);
  CHECK(d.controllers[3].index == 2);
  CHECK(d.controllers[3].bus_nr == 248u);
  CHECK(d.controllers[4].index == 5);
  CHECK(d.controllers[4].address->bus == 2);
  CHECK(d.hostdevs[0].guest_address->bus == 3);
  CHECK(d.hostdevs[2].guest_address->bus == 4);
  CHECK(d.hostdevs[1].guest_address->bus == 5);
  REQUIRE(d.bus_iommus.size() == 2);
  CHECK(d.bus_iommus[0].pci_bus == 1u);
  CHECK(d.bus_iommus[1].pci_bus == 2u);
  CHECK(d.bus_iommus[0].accel == Tristate::kAbsent);
}

TEST_CASE("topology: a group of 4 devices takes a whole second block of bus numbers") {
  HostFacts h = testing::testHost(kTwoSmmu);
  for (auto& dev : h.pci_devices) dev.iommu_unit = kUnitA;  // all six behind one SMMU
  DomainDef d;
  d.hostdevs = devs({"0000:01:10.0", "0000:01:10.2", "0000:81:10.0", "0000:81:10.2"});
  applySmmuTopology(d, h, false);
  REQUIRE(d.controllers.size() == 5);
  // 1 root bus + 4 ports = 5 buses: two blocks of 4, so 248..255.
  CHECK(d.controllers[0].bus_nr == 248u);
}

TEST_CASE("topology without devices: one smmuv3 on pcie.0, never the machine-wide form too") {
  DomainDef d;
  d.iommu = IommuDef{ViommuModel::kSmmuv3, {}, std::nullopt, Tristate::kAbsent};
  applySmmuTopology(d, testing::testHost(kTwoSmmu), true);
  CHECK_FALSE(d.iommu.has_value());
  CHECK(d.controllers.empty());
  REQUIRE(d.bus_iommus.size() == 1);
  CHECK(d.bus_iommus[0].pci_bus == 0u);
  CHECK(d.bus_iommus[0].accel == Tristate::kAbsent);
  auto xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(xml->find("    <iommu model=\"smmuv3\">\n      <driver pciBus=\"0\"/>\n    </iommu>\n") !=
        std::string::npos);
  CHECK(xml->find("<iommu model=\"smmuv3\"/>") == std::string::npos);
}

TEST_CASE("accel='on' only on the SMMUs whose host unit says nesting") {
  HostFacts h = testing::testHost(kTwoSmmu);
  DomainDef d;
  d.hostdevs = devs({"0000:01:10.0", "0000:81:10.0"});
  applySmmuTopology(d, h, true);
  REQUIRE(d.bus_iommus.size() == 2);
  CHECK(d.bus_iommus[0].accel == Tristate::kOn);      // smmu3.0x...9050000: nesting true
  CHECK(d.bus_iommus[1].accel == Tristate::kAbsent);  // smmu3.0x...9060000: unknown
  auto xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(xml->find("    <iommu model=\"smmuv3\">\n      <driver pciBus=\"1\" accel=\"on\"/>\n"
                  "    </iommu>\n    <iommu model=\"smmuv3\">\n      <driver pciBus=\"2\"/>\n"
                  "    </iommu>\n") != std::string::npos);
}

TEST_CASE("accel sub-features: only what the host unit has, QEMU's default where unknown") {
  IommuUnitFacts unit{kUnitA,       "arm-smmu-v3", true,         std::nullopt,
                      std::nullopt, std::nullopt,  std::nullopt, std::nullopt};
  IommuDef smmu;
  smmuAccelFeatures(smmu, unit);  // facts from before the IDR fields: nothing rendered
  CHECK(smmu.ats == Tristate::kAbsent);
  CHECK(smmu.ril == Tristate::kAbsent);
  CHECK_FALSE(smmu.ssidsize.has_value());
  CHECK_FALSE(smmu.oas.has_value());

  unit.ats = true;
  unit.ril = true;
  unit.ssid_bits = 20;
  unit.oas_bits = 52;
  smmu = {};
  smmuAccelFeatures(smmu, unit);
  CHECK(smmu.ats == Tristate::kOn);
  CHECK(smmu.ril == Tristate::kOn);
  CHECK(smmu.ssidsize == std::optional<unsigned>(20));
  CHECK(smmu.oas == std::optional<unsigned>(48));  // QEMU takes 44 or 48 only

  unit.ats = false;
  unit.ril = false;
  unit.ssid_bits = 0;
  unit.oas_bits = 44;
  smmu = {};
  smmuAccelFeatures(smmu, unit);
  CHECK(smmu.ats == Tristate::kAbsent);  // QEMU's default is off already
  CHECK(smmu.ril == Tristate::kOff);     // QEMU's default is on: say off
  CHECK_FALSE(smmu.ssidsize.has_value());
  CHECK(smmu.oas == std::optional<unsigned>(44));

  unit.oas_bits = 42;  // below what QEMU's accel SMMUv3 can offer: leave it to QEMU
  smmu = {};
  smmuAccelFeatures(smmu, unit);
  CHECK_FALSE(smmu.oas.has_value());
  unit.oas_bits = 48;
  smmu = {};
  smmuAccelFeatures(smmu, unit);
  CHECK(smmu.oas == std::optional<unsigned>(48));
}

TEST_CASE("accel='on' SMMUs carry their own host unit's sub-features") {
  HostFacts h = testing::testHost("aarch64-kvm-2smmu-idr-libvirt12");
  DomainDef d;
  d.hostdevs = devs({"0000:01:10.0", "0000:81:10.0"});
  applySmmuTopology(d, h, true);
  REQUIRE(d.bus_iommus.size() == 2);
  auto xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(
      xml->find("    <iommu model=\"smmuv3\">\n      <driver pciBus=\"1\" accel=\"on\" ats=\"on\" "
                "ril=\"on\" ssidsize=\"20\" oas=\"48\"/>\n    </iommu>\n"
                "    <iommu model=\"smmuv3\">\n      <driver pciBus=\"2\" accel=\"on\" "
                "ril=\"off\" ssidsize=\"16\" oas=\"44\"/>\n    </iommu>\n") != std::string::npos);
  applySmmuTopology(d, h, false);  // without accel none of them: libvirt refuses them alone
  for (const auto& smmu : d.bus_iommus) {
    CHECK(smmu.accel == Tristate::kAbsent);
    CHECK(smmu.ats == Tristate::kAbsent);
    CHECK(smmu.ril == Tristate::kAbsent);
    CHECK_FALSE(smmu.ssidsize.has_value());
    CHECK_FALSE(smmu.oas.has_value());
  }
}

TEST_CASE("accel needs KVM, aarch64 per-bus, a nesting SMMU and iommufd hostdevs; each says why") {
  HostFacts h = testing::testHost(kTwoSmmu);
  CHECK(smmuAccelUnavailable(h).empty());

  HostFacts tcg = h;
  tcg.virt_type = VirtType::kQemu;
  CHECK(smmuAccelUnavailable(tcg) == "host arm-2smmu runs guests under qemu; accel='on' needs KVM");

  HostFacts old = h;
  old.libvirt_version = Version{11, 9, 0};
  CHECK(smmuAccelUnavailable(old) ==
        "host arm-2smmu has no per-bus smmuv3 (needs libvirt >= 11.10.0, QEMU >= 10.2.0 and "
        "aarch64 UEFI; it has libvirt 11.9.0, QEMU 11.1.0)");

  HostFacts flat = h;
  for (auto& u : flat.iommu.unit_caps) u.nesting = false;
  CHECK(smmuAccelUnavailable(flat) ==
        "host arm-2smmu has no arm-smmu-v3 unit whose capabilities say nesting");

  HostFacts nofd = h;
  nofd.iommu.dev_iommu = false;
  CHECK(smmuAccelUnavailable(nofd) ==
        "host arm-2smmu has no iommufd-backed hostdevs: /dev/iommu is missing (kernel without "
        "iommufd)");
  nofd = h;
  for (auto& g : nofd.guests) g.hostdev_iommufd = std::vector<std::string>{"no"};
  CHECK(smmuAccelUnavailable(nofd) ==
        "host arm-2smmu has no iommufd-backed hostdevs: libvirt's domain capabilities for "
        "aarch64 do not list hostdev iommufd 'yes'");
}

TEST_CASE("CUSTOM_VIOMMU_SMMUV3_ACCEL only from hosts that can run accel") {
  traits::TraitsConfig config;
  CHECK(hostTraits(testing::testHost(kTwoSmmu), config).count("CUSTOM_VIOMMU_SMMUV3_ACCEL") == 1);
  HostFacts tcg = testing::testHost(kTwoSmmu);
  tcg.virt_type = VirtType::kQemu;
  CHECK(hostTraits(tcg, config).count("CUSTOM_VIOMMU_SMMUV3_ACCEL") == 0);
  for (const char* name : {"aarch64-kvm-libvirt9", "x86-kvm-libvirt9", "aarch64-kvm-noefi"}) {
    INFO(name);
    CHECK(hostTraits(testing::testHost(name), config).count("CUSTOM_VIOMMU_SMMUV3_ACCEL") == 0);
  }
}

TEST_CASE("hw:viommu_accel: a boolean, only with smmuv3, flavor and image must agree") {
  CHECK(validateExtraSpec("hw:viommu_accel", "true").ok());
  CHECK(validateImageProperty("hw_viommu_accel", "no").ok());
  auto bad = validateExtraSpec("hw:viommu_accel", "fast");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "hw:viommu_accel='fast' is invalid: not a boolean; allowed: true, false, yes, no, on, "
        "off, 1, 0, t, f, y, n");
  auto bad_image = validateImageProperty("hw_viommu_accel", "2");
  REQUIRE_FALSE(bad_image.ok());
  CHECK(bad_image.error().key == "hw_viommu_accel");

  auto virtio = parseGuestRequest(
      {"g", 1, 256, 0, {{"hw:viommu_model", "virtio"}, {"hw:viommu_accel", "true"}}}, {}, {});
  REQUIRE_FALSE(virtio.ok());
  CHECK(virtio.error().code == ErrorCode::kInvalidArgument);
  CHECK(virtio.error().message ==
        "hw:viommu_accel='true' is invalid: accelerated vIOMMU exists only for smmuv3, and "
        "hw:viommu_model is 'virtio'; allowed: false, or true together with "
        "hw:viommu_model=smmuv3");
  auto none = parseGuestRequest({"g", 1, 256, 0, {}}, {{"hw_viommu_accel", "yes"}}, {});
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().key == "hw_viommu_accel");

  auto off = parseGuestRequest({"g", 1, 256, 0, {{"hw:viommu_accel", "false"}}}, {}, {});
  REQUIRE(off.ok());
  CHECK(off->viommu_accel->value == false);
  auto unset = parseGuestRequest({"g", 1, 256, 0, {}}, {}, {});
  REQUIRE(unset.ok());
  CHECK_FALSE(unset->viommu_accel.has_value());

  auto mixed = parseGuestRequest(
      {"g", 1, 256, 0, {{"hw:viommu_model", "smmuv3"}, {"hw:viommu_accel", "true"}}},
      {{"hw_viommu_accel", "false"}}, {});
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.error().key == "hw_viommu_accel");
  CHECK(
      mixed.error().message ==
      "hw_viommu_accel='false' is invalid: it conflicts with the flavor's hw:viommu_accel='true'; "
      "allowed: the same value as hw:viommu_accel, or leave one of them unset");

  auto ok = parseGuestRequest(
      {"g", 1, 256, 0, {{"hw:viommu_model", "smmuv3"}, {"hw:viommu_accel", "true"}}}, {}, {});
  REQUIRE(ok.ok());
  CHECK(ok->viommu_accel->value);
}

TEST_CASE("accel requested on a host that cannot: no valid host, naming why") {
  Flavor f{"g", 1, 256, 0, {{"hw:viommu_model", "smmuv3"}, {"hw:viommu_accel", "true"}}};
  auto p = planGuest(f, {}, testing::testHost("aarch64-kvm-libvirt9"), VirtConfig{});
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().code == ErrorCode::kFailedPrecondition);
  CHECK(p.error().message ==
        "hw:viommu_accel='true' cannot be met: host arm1 has no per-bus smmuv3 (needs libvirt "
        ">= 11.10.0, QEMU >= 10.2.0 and aarch64 UEFI; it has libvirt 9.0.0, QEMU 7.2.22)");
  auto good = planGuest(f, {}, testing::testHost(kTwoSmmu), VirtConfig{});
  REQUIRE(good.ok());
  CHECK(good->viommu_accel);
}

TEST_CASE("the two-SMMU host's traits are exactly what its facts imply") {
  CHECK(hostTraits(testing::testHost(kTwoSmmu), traits::TraitsConfig{}) ==
        std::set<std::string>{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_SMMUV3",
                              "COMPUTE_IOMMU_MODEL_VIRTIO", "CUSTOM_IOMMUFD",
                              "CUSTOM_IOMMUFD_NESTING", "CUSTOM_MEM_PAGE_SIZE_2048",
                              "CUSTOM_MEM_PAGE_SIZE_524288", "CUSTOM_VFIO_CDEV",
                              "CUSTOM_VIOMMU_SMMUV3_ACCEL", "HW_ARCH_AARCH64"});
}
