// A libvirt or QEMU version, "major.minor.micro".
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::virt {

struct Version {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned micro = 0;

  auto operator<=>(const Version&) const = default;
  std::string str() const;

  // libvirt encodes versions as major * 1,000,000 + minor * 1,000 + micro.
  static Version fromLibvirtNumber(unsigned long number);
  // "9.0.0" or "9.0"; `key` names the field in the error.
  static Result<Version> parse(std::string_view text, std::string_view key);
};

// Facts about libvirt releases that decide what may be rendered.
inline constexpr Version kLibvirtVirtioIommu{8, 3, 0};  // <iommu model='virtio'/>
inline constexpr Version kLibvirtIommuAwBits{6, 5, 0};  // <driver aw_bits=.../>
// <iommu model='amd'> (AMDVI-PCI + amd-iommu): libvirt 11.5.0 NEWS; refused by 9.0's
// schema, measured accepted on 12.9 (../shared/labs/libvirt-12/REFERENCE.md §4).
inline constexpr Version kLibvirtAmdIommu{11, 5, 0};
// virtio <driver aw_bits=.../>: libvirt 11.5.0 (QEMU_CAPS_VIRTIO_IOMMU_AW_BITS), and QEMU's
// virtio-iommu has aw-bits and granule from 9.0. 9.0 refuses it ("doesn't support additional
// attributes"), 12.9 takes it (REFERENCE.md §3.1); no version in between was measured.
inline constexpr Version kLibvirtVirtioAwBits{11, 5, 0};
inline constexpr Version kQemuVirtioIommuAwBits{9, 0, 0};
// virtio <driver><granule mode='host'/></driver>: libvirt 12.1 (REFERENCE.md §5).
inline constexpr Version kLibvirtIommuGranule{12, 1, 0};
// From this libvirt on, a q35 guest with more than 255 vCPUs and no <iommu> gets an intel
// IOMMU with eim added to its definition by libvirt (commit "qemu: Turn EIM IOMMU on
// automagically", released in 11.0.0; 9.0 refused such a guest; 12.9 measured adding it,
// REFERENCE.md §3.3).
inline constexpr Version kLibvirtAddsIommuForVcpus{11, 0, 0};
// QEMU allows intel eim (and amd xtsup) under TCG from 11.1; 7.2 said "eim=on requires
// accel=kvm,kernel-irqchip=split" (REFERENCE.md §3.3).
inline constexpr Version kQemuEimUnderTcg{11, 1, 0};

}  // namespace stratus::virt
