#include "virt/kernel_pci_probe.h"

#include <algorithm>
#include <system_error>

namespace stratus::virt {

void addKernelPciFacts(std::vector<PciDeviceFacts>& devices, const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  for (auto& d : devices) {
    const fs::path dir = root / "sys/bus/pci/devices" / d.address;
    std::error_code ec;
    // Only the link's last component matters: in a snapshot the target is relative
    // and need not resolve outside it.
    const fs::path unit = fs::read_symlink(dir / "iommu", ec);
    d.iommu_unit =
        ec || unit.filename().empty() ? std::nullopt : std::optional(unit.filename().string());
    std::vector<std::string> cdevs;
    for (fs::directory_iterator it(dir / "vfio-dev", ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with("vfio")) cdevs.push_back(name);
    }
    std::sort(cdevs.begin(), cdevs.end());
    d.vfio_cdev =
        cdevs.empty() ? std::nullopt : std::optional("/dev/vfio/devices/" + cdevs.front());
  }
}

}  // namespace stratus::virt
