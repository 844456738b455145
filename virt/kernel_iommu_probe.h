// IOMMU, VFIO and iommufd facts from the kernel's filesystems. `root` is "/" on a
// real host; tests point it at a directory laid out like one.
#pragma once

#include <cstdint>
#include <filesystem>

#include "virt/host_facts.h"

namespace stratus::virt {

// Also fills unit_caps, one entry per /sys/class/iommu unit:
// - driver: "intel-iommu" (the unit has an intel-iommu/ directory), "amd-iommu" (amd-iommu/),
//   else the name of the unit's device/driver link, else "arm-smmu-v3" for "smmu3.*" units,
//   else empty.
// - Intel units: nesting and dirty_tracking decoded from intel-iommu/ecap (intelEcapCaps);
//   absent when ecap is missing or not hex. Other drivers publish no capability registers in
//   sysfs, so their caps stay absent.
IommuFacts probeKernelIommu(const std::filesystem::path& root = "/");

// What an Intel VT-d unit's Extended Capability Register (sysfs intel-iommu/ecap, hex) says
// about iommufd's nesting and dirty tracking. The rules are the Linux driver's
// (drivers/iommu/intel/iommu.h: nested_supported(), ssads_supported(), Linux >= 6.7), with the
// bit positions of the VT-d spec as that header decodes them:
//   SMTS  bit 43  scalable-mode translation; both features need it
//   NEST  bit 26  nested translation           -> nesting = SMTS && NEST
//   SLADS bit 45  second-stage access/dirty    -> dirty_tracking = SMTS && SLADS && SMPWC
//   SMPWC bit 48  scalable-mode page-walk coherency (required by a late-2025 fix that
//                 went to stable kernels too: the dirty bits must be read coherently)
// The kernel also needs scalable mode switched on (intel_iommu=sm_on, or the config default),
// which sysfs does not show; these say what the hardware offers.
struct IntelEcapCaps {
  bool nesting = false;
  bool dirty_tracking = false;
};
IntelEcapCaps intelEcapCaps(std::uint64_t ecap);

}  // namespace stratus::virt
