// The iommufd traits a host publishes (issue 15). Pure: each comes from HostFacts, and each
// is published only when the host can honour it; absent (nullopt) capabilities count as not
// there.
//   CUSTOM_IOMMUFD                /dev/iommu (iommu.dev_iommu), libvirt >= 12.1
//                                 (kLibvirtHostdevIommufd) and, for some arch the host runs,
//                                 domain capabilities listing hostdev iommufd "yes"
//   CUSTOM_VFIO_CDEV              a VFIO device cdev under /dev/vfio/devices (iommu.vfio_cdev)
//   CUSTOM_IOMMUFD_DIRTY_TRACKING CUSTOM_IOMMUFD, kernel >= 6.7 and some IOMMU unit with
//                                 dirty_tracking true
//   CUSTOM_IOMMUFD_NESTING        CUSTOM_IOMMUFD, kernel >= 6.7 and some unit with nesting true
// 6.7 is the Linux release whose iommufd took IOMMU_HWPT_ALLOC_DIRTY_TRACKING and nested
// hardware page tables (IOMMU_HWPT_DATA_VTD_S1) from user space.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "virt/host_facts.h"

namespace stratus::virt {

inline constexpr Version kKernelIommufdHwpt{6, 7, 0};

// uname -r to a version: "7.3.4+deb13-amd64" -> 7.3.4, "6.18" -> 6.18.0; nullopt when it
// does not start with "major.minor".
std::optional<Version> kernelVersion(const std::string& uname_r);

std::set<std::string> iommufdTraits(const HostFacts& host);

// One of the four above: the agent owns them (adds and removes them as the host changes).
bool isIommufdTrait(std::string_view name);

}  // namespace stratus::virt
