// IOMMU, VFIO and iommufd facts from the kernel's filesystems. `root` is "/" on a
// real host; tests point it at a directory laid out like one.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "virt/host_facts.h"

namespace stratus::virt {

// Also fills unit_caps, one entry per /sys/class/iommu unit:
// - driver: "intel-iommu" (the unit has an intel-iommu/ directory), "amd-iommu" (amd-iommu/),
//   else the name of the unit's device/driver link, else "arm-smmu-v3" for "smmu3.*" units,
//   else empty.
// - Intel units: nesting and dirty_tracking decoded from intel-iommu/ecap (intelEcapCaps);
//   absent when ecap is missing or not hex. Other drivers publish no capability registers in
//   sysfs, so their caps stay absent: an SMMUv3's ats/ril/ssid_bits/oas_bits come only from
//   its IDR registers (smmuv3IdrCaps), which the kernel hands out through iommufd alone.
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

// What an SMMUv3's ID registers IDR0..IDR5 say about the sub-features an accel='on' vSMMUv3
// may offer. The kernel exposes the raw registers only through iommufd's IOMMU_GET_HW_INFO
// (struct iommu_hw_info_arm_smmuv3 {flags, __reserved, idr[6], iidr, aidr}, for a device
// bound to an iommufd); sysfs shows none, so the sysfs probe cannot fill them and this host
// (x86, no SMMU) never does. Captured facts carry the decoded values. Bit positions as
// Linux decodes them (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h):
//   IDR0 bit 10       ATS       -> ats
//   IDR1 bits 10:6    SSIDSIZE  -> ssid_bits; the architecture allows at most 20, larger
//                                  values are reserved and give no answer
//   IDR3 bit 10       RIL       -> ril
//   IDR5 bits 2:0     OAS       -> oas_bits: 0..6 = 32, 36, 40, 42, 44, 48, 52 bits; 7 is
//                                  reserved and gives no answer
struct Smmuv3IdrCaps {
  bool ats = false;
  bool ril = false;
  std::optional<unsigned> ssid_bits;
  std::optional<unsigned> oas_bits;
};
Smmuv3IdrCaps smmuv3IdrCaps(const std::array<std::uint32_t, 6>& idr);
// Records `caps` on `unit` (an arm-smmu-v3 unit's facts).
void setSmmuv3IdrCaps(IommuUnitFacts& unit, const Smmuv3IdrCaps& caps);

}  // namespace stratus::virt
