#include "virt/iommufd_traits.h"

#include <algorithm>
#include <charconv>

#include "virt/iommufd_plan.h"

namespace stratus::virt {
namespace {

bool libvirtOffersIommufd(const HostFacts& host) {
  if (host.libvirt_version < kLibvirtHostdevIommufd) return false;
  for (const auto& arch : host.runnableArches()) {
    const auto* g = host.guest(arch);
    if (g->hostdev_iommufd &&
        std::ranges::find(*g->hostdev_iommufd, "yes") != g->hostdev_iommufd->end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<Version> kernelVersion(const std::string& uname_r) {
  unsigned parts[3] = {0, 0, 0};
  const char* p = uname_r.data();
  const char* end = p + uname_r.size();
  int n = 0;
  while (n < 3) {
    auto [next, ec] = std::from_chars(p, end, parts[n]);
    if (ec != std::errc()) break;
    ++n;
    p = next;
    if (p == end || *p != '.') break;
    ++p;
  }
  if (n < 2) return std::nullopt;
  return Version{parts[0], parts[1], parts[2]};
}

bool isIommufdTrait(std::string_view name) {
  return name == "CUSTOM_IOMMUFD" || name == "CUSTOM_VFIO_CDEV" ||
         name == "CUSTOM_IOMMUFD_DIRTY_TRACKING" || name == "CUSTOM_IOMMUFD_NESTING";
}

std::set<std::string> iommufdTraits(const HostFacts& host) {
  std::set<std::string> out;
  if (host.iommu.vfio_cdev) out.insert("CUSTOM_VFIO_CDEV");
  if (!host.iommu.dev_iommu || !libvirtOffersIommufd(host)) return out;
  out.insert("CUSTOM_IOMMUFD");
  const auto kernel = kernelVersion(host.iommu.kernel_version);
  if (!kernel || *kernel < kKernelIommufdHwpt) return out;
  const auto& units = host.iommu.unit_caps;
  if (std::ranges::any_of(units, [](const auto& u) { return u.dirty_tracking == true; }))
    out.insert("CUSTOM_IOMMUFD_DIRTY_TRACKING");
  if (std::ranges::any_of(units, [](const auto& u) { return u.nesting == true; }))
    out.insert("CUSTOM_IOMMUFD_NESTING");
  return out;
}

}  // namespace stratus::virt
