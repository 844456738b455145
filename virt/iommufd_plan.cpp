#include "virt/iommufd_plan.h"

#include <algorithm>

namespace stratus::virt {

std::string_view iommufdModeName(IommufdMode mode) {
  switch (mode) {
    case IommufdMode::kYes:
      return "yes";
    case IommufdMode::kNo:
      return "no";
    case IommufdMode::kAuto:
      break;
  }
  return "auto";
}

Result<IommufdMode> parseIommufdMode(std::string_view text, std::string_view key) {
  for (auto m : {IommufdMode::kAuto, IommufdMode::kYes, IommufdMode::kNo}) {
    if (text == iommufdModeName(m)) return m;
  }
  return Error::invalid(std::string(key), std::string(text), "auto, yes, no");
}

std::vector<std::string> iommufdHostGaps(const HostFacts& host, std::string_view arch) {
  std::vector<std::string> gaps;
  if (host.libvirt_version < kLibvirtHostdevIommufd) {
    gaps.push_back("libvirt " + host.libvirt_version.str() + " is older than " +
                   kLibvirtHostdevIommufd.str());
  }
  const GuestArchFacts* guest = host.guest(arch);
  const bool listed =
      guest != nullptr && guest->hostdev_iommufd &&
      std::ranges::find(*guest->hostdev_iommufd, "yes") != guest->hostdev_iommufd->end();
  if (!listed) {
    gaps.push_back("libvirt's domain capabilities for " + std::string(arch) +
                   " do not list hostdev iommufd 'yes'");
  }
  if (!host.iommu.dev_iommu) gaps.push_back("/dev/iommu is missing (kernel without iommufd)");
  if (!host.iommu.vfio_cdev) {
    gaps.push_back(
        "no VFIO device cdev under /dev/vfio/devices (kernel without VFIO_DEVICE_CDEV, or no "
        "device bound to vfio-pci yet)");
  }
  return gaps;
}

bool deviceHasVfioCdev(const HostFacts& host, const PciDeviceFacts& device, bool managed) {
  if (device.vfio_cdev) return true;
  return managed && host.iommu.vfio_cdev;
}

std::string vfioCdevGap(const HostFacts& host, const PciDeviceFacts& device, bool managed) {
  if (deviceHasVfioCdev(host, device, managed)) return "";
  const std::string bound = "bound to " + device.driver.value_or("no driver");
  if (managed) return "it is " + bound + " and this host's kernel shows no VFIO cdev";
  if (device.driver == "vfio-pci")
    return "it is unmanaged and bound to vfio-pci, but has no VFIO cdev";
  return "it is unmanaged and " + bound +
         ", not vfio-pci, so it has no VFIO cdev "
         "(/dev/vfio/devices/vfioN) when the guest starts";
}

bool useIommufd(IommufdMode mode, const HostFacts& host, std::string_view arch,
                const PciDeviceFacts* device, bool managed) {
  switch (mode) {
    case IommufdMode::kNo:
      return false;
    case IommufdMode::kYes:
      return true;  // validateIommufdMode refused the host at start if it cannot
    case IommufdMode::kAuto:
      break;
  }
  return device != nullptr && iommufdHostGaps(host, arch).empty() &&
         deviceHasVfioCdev(host, *device, managed);
}

bool useIommufdForGuest(IommufdMode mode, const HostFacts& host, std::string_view arch,
                        const std::vector<IommufdHostdev>& hostdevs) {
  if (mode != IommufdMode::kAuto) return mode == IommufdMode::kYes;
  return !hostdevs.empty() && std::ranges::all_of(hostdevs, [&](const IommufdHostdev& h) {
    return useIommufd(mode, host, arch, h.device, h.managed);
  });
}

Status validateIommufdMode(IommufdMode mode, const HostFacts& host, std::string_view arch) {
  if (mode != IommufdMode::kYes) return okStatus();
  const auto gaps = iommufdHostGaps(host, arch);
  if (gaps.empty()) return okStatus();
  std::string why = "this host cannot use iommufd: ";
  for (std::size_t i = 0; i < gaps.size(); ++i) why += (i == 0 ? "" : "; ") + gaps[i];
  return Error::invalid("[pci] iommufd", "yes", "auto, no", why);
}

}  // namespace stratus::virt
