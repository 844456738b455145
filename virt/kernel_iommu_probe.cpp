#include "virt/kernel_iommu_probe.h"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace stratus::virt {

IommuFacts probeKernelIommu(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  IommuFacts facts;
  std::error_code ec;
  facts.dev_iommu = fs::exists(root / "dev/iommu", ec);
  // The directory alone says the kernel could; a cdev in it says a device is bound.
  const fs::path cdevs = root / "dev/vfio/devices";
  facts.vfio_cdev = fs::is_directory(cdevs, ec) && !fs::is_empty(cdevs, ec);
  for (fs::directory_iterator it(root / "sys/class/iommu", ec), end; !ec && it != end;
       it.increment(ec)) {
    facts.units.push_back(it->path().filename().string());
  }
  std::sort(facts.units.begin(), facts.units.end());
  std::ifstream release(root / "proc/sys/kernel/osrelease");
  std::getline(release, facts.kernel_version);
  return facts;
}

}  // namespace stratus::virt
