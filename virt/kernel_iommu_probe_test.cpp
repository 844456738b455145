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
