#include "virt/kernel_iommu_probe.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace stratus::virt;
namespace fs = std::filesystem;

namespace {
struct TempRoot {
  fs::path path = fs::temp_directory_path() / ("stratus-kroot-" + std::to_string(::getpid()));
  TempRoot() { fs::create_directories(path); }
  ~TempRoot() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("a host with nothing IOMMU-related reports nothing") {
  TempRoot root;
  fs::create_directories(root.path / "proc/sys/kernel");
  std::ofstream(root.path / "proc/sys/kernel/osrelease") << "6.18.44\n";
  auto facts = probeKernelIommu(root.path);
  CHECK_FALSE(facts.dev_iommu);
  CHECK_FALSE(facts.vfio_cdev);
  CHECK(facts.units.empty());
  CHECK(facts.kernel_version == "6.18.44");
}

TEST_CASE("iommufd, VFIO cdevs and IOMMU units are seen") {
  TempRoot root;
  fs::create_directories(root.path / "dev/vfio/devices");
  fs::create_directories(root.path / "sys/class/iommu/smmu3.0x0000000009050000");
  fs::create_directories(root.path / "sys/class/iommu/dmar0");
  std::ofstream(root.path / "dev/iommu") << "";
  auto empty_dir = probeKernelIommu(root.path);
  CHECK(empty_dir.dev_iommu);
  CHECK_FALSE(empty_dir.vfio_cdev);  // the directory without a device is not a cdev
  std::ofstream(root.path / "dev/vfio/devices/vfio0") << "";
  auto facts = probeKernelIommu(root.path);
  CHECK(facts.vfio_cdev);
  CHECK(facts.units == std::vector<std::string>{"dmar0", "smmu3.0x0000000009050000"});
}

TEST_CASE("Intel ecap bits decode to nesting and dirty tracking") {
  // The VFIO lab's L1 (QEMU's emulated VT-d, captured/misc/dmesg-iommu.txt): "ecap f00f4e"
  // has no scalable mode, so neither.
  CHECK_FALSE(intelEcapCaps(0xf00f4e).nesting);
  CHECK_FALSE(intelEcapCaps(0xf00f4e).dirty_tracking);
  constexpr std::uint64_t kSmts = 1ULL << 43, kNest = 1ULL << 26, kSlads = 1ULL << 45,
                          kSmpwc = 1ULL << 48;
  CHECK(intelEcapCaps(0xf00f4e | kSmts | kNest).nesting);
  CHECK_FALSE(intelEcapCaps(0xf00f4e | kNest).nesting);  // nesting needs scalable mode
  CHECK_FALSE(intelEcapCaps(kSmts | kNest).dirty_tracking);
  CHECK(intelEcapCaps(kSmts | kSlads | kSmpwc).dirty_tracking);
  CHECK_FALSE(intelEcapCaps(kSmts | kSlads).dirty_tracking);  // without page-walk coherency
  CHECK_FALSE(intelEcapCaps(kSlads | kSmpwc).dirty_tracking);
  CHECK_FALSE(intelEcapCaps(kSmts | kSlads | kSmpwc).nesting);
}

TEST_CASE("each IOMMU unit's driver and capabilities are read from sysfs") {
  TempRoot root;
  // Laid out as `lab.sh sysfs` does: the class entry links to the device directory.
  const fs::path devs = root.path / "sys/devices/virtual/iommu";
  fs::create_directories(devs / "dmar0/intel-iommu");
  fs::create_directories(devs / "dmar1/intel-iommu");
  fs::create_directories(devs / "dmar2/intel-iommu");
  fs::create_directories(devs / "ivhd0/amd-iommu");
  fs::create_directories(root.path / "sys/devices/platform/arm-smmu-v3.0.auto");
  fs::create_directories(root.path / "sys/bus/platform/drivers/arm-smmu-v3");
  fs::create_directories(devs / "smmu3.0x0000000009050000");
  fs::create_directories(devs / "smmu3.0x000000000a000000");
  fs::create_directories(root.path / "sys/class/iommu");
  for (const char* u : {"dmar0", "dmar1", "dmar2", "ivhd0", "smmu3.0x0000000009050000",
                        "smmu3.0x000000000a000000"}) {
    fs::create_directory_symlink(fs::path("../../devices/virtual/iommu") / u,
                                 root.path / "sys/class/iommu" / u);
  }
  std::ofstream(devs / "dmar0/intel-iommu/ecap") << "f00f4e\n";  // the VFIO lab's L1
  std::ofstream(devs / "dmar0/intel-iommu/cap") << "80d2008c222f0686\n";
  std::ofstream(devs / "dmar1/intel-iommu/ecap") << "1280004f00f5e\n";  // SMTS, NEST, SLADS, SMPWC
  std::ofstream(devs / "dmar2/intel-iommu/ecap") << "not hex\n";
  // One SMMU's device links to its driver, the other's does not: the name tells then.
  fs::create_directory_symlink("../../../platform/arm-smmu-v3.0.auto",
                               devs / "smmu3.0x0000000009050000/device");
  fs::create_directory_symlink("../../../bus/platform/drivers/arm-smmu-v3",
                               root.path / "sys/devices/platform/arm-smmu-v3.0.auto/driver");

  auto facts = probeKernelIommu(root.path);
  REQUIRE(facts.unit_caps.size() == 6);
  const auto* dmar0 = facts.unitCaps("dmar0");
  REQUIRE(dmar0 != nullptr);
  CHECK(dmar0->driver == "intel-iommu");
  CHECK(dmar0->nesting == std::optional<bool>(false));
  CHECK(dmar0->dirty_tracking == std::optional<bool>(false));
  const auto* dmar1 = facts.unitCaps("dmar1");
  CHECK(dmar1->nesting == std::optional<bool>(true));
  CHECK(dmar1->dirty_tracking == std::optional<bool>(true));
  const auto* dmar2 = facts.unitCaps("dmar2");
  CHECK(dmar2->driver == "intel-iommu");
  CHECK_FALSE(dmar2->nesting.has_value());
  CHECK_FALSE(dmar2->dirty_tracking.has_value());
  CHECK(facts.unitCaps("ivhd0")->driver == "amd-iommu");
  CHECK_FALSE(facts.unitCaps("ivhd0")->nesting.has_value());
  for (const char* smmu : {"smmu3.0x0000000009050000", "smmu3.0x000000000a000000"}) {
    INFO(smmu);
    CHECK(facts.unitCaps(smmu)->driver == "arm-smmu-v3");
    CHECK_FALSE(facts.unitCaps(smmu)->nesting.has_value());
    CHECK_FALSE(facts.unitCaps(smmu)->dirty_tracking.has_value());
  }
}

TEST_CASE("SMMUv3 IDR words decode to ATS, RIL, SSID bits and OAS") {
  // The words of virt/testdata/hosts/aarch64-kvm-2smmu-idr-libvirt12.README.md.
  auto a = smmuv3IdrCaps({0x00000403, 0x00000500, 0, 0x00000400, 0, 0x00000005});
  CHECK(a.ats);
  CHECK(a.ril);
  CHECK(a.ssid_bits == std::optional<unsigned>(20));
  CHECK(a.oas_bits == std::optional<unsigned>(48));
  auto b = smmuv3IdrCaps({0x00000003, 0x00000400, 0, 0, 0, 0x00000004});
  CHECK_FALSE(b.ats);
  CHECK_FALSE(b.ril);
  CHECK(b.ssid_bits == std::optional<unsigned>(16));
  CHECK(b.oas_bits == std::optional<unsigned>(44));
  // Neighbouring bits say nothing: IDR0 bit 9 (HYP) and 11, IDR3 bit 8 (FWB) and 11,
  // IDR1's SIDSIZE (bits 5:0) and PRIQS (15:11).
  auto n = smmuv3IdrCaps({0x00000A00, 0x0000F83F, 0, 0x00000900, 0, 0x00000070});
  CHECK_FALSE(n.ats);
  CHECK_FALSE(n.ril);
  CHECK(n.ssid_bits == std::optional<unsigned>(0));
  CHECK(n.oas_bits == std::optional<unsigned>(32));
  // Each OAS encoding, and the reserved ones.
  const unsigned want[] = {32, 36, 40, 42, 44, 48, 52};
  for (unsigned v = 0; v < 7; ++v) {
    CHECK(smmuv3IdrCaps({0, 0, 0, 0, 0, v}).oas_bits == std::optional<unsigned>(want[v]));
  }
  CHECK_FALSE(smmuv3IdrCaps({0, 0, 0, 0, 0, 7}).oas_bits.has_value());
  CHECK_FALSE(smmuv3IdrCaps({0, 21U << 6, 0, 0, 0, 0}).ssid_bits.has_value());

  IommuUnitFacts unit{"smmu3.0x0000000009050000",
                      "arm-smmu-v3",
                      std::nullopt,
                      std::nullopt,
                      std::nullopt,
                      std::nullopt,
                      std::nullopt,
                      std::nullopt};
  setSmmuv3IdrCaps(unit, a);
  CHECK(unit.ats == std::optional<bool>(true));
  CHECK(unit.ril == std::optional<bool>(true));
  CHECK(unit.ssid_bits == std::optional<unsigned>(20));
  CHECK(unit.oas_bits == std::optional<unsigned>(48));
}
