// One vSMMUv3 per host SMMU (aarch64, issue 15): the guest PCIe topology that puts each
// group of assigned devices behind its own emulated SMMUv3, matched to the host SMMU
// the devices sit behind. Pure functions over HostFacts and DomainDef.
//
// Sources of the rules (../shared/labs/libvirt-12/REFERENCE.md, measured on libvirt 12.9
// with QEMU 11.1):
// - <iommu model='smmuv3'><driver pciBus='N'/></iommu> needs libvirt >= 11.10 and a
//   QEMU whose arm-smmuv3 is user-creatable (>= 10.2); N is the `index` of a
//   pcie-expander-bus (pxb-pcie) controller, 0 means pcie.0 (section 3.2).
// - The per-bus and the machine-wide form never mix (QEMU: "virt machine already has
//   iommu=smmuv3 set"); two SMMUs on one bus are refused ("An iommu is already attached
//   to this bus").
// - Guests see a pxb-attached SMMU only through ACPI, and aarch64 ACPI needs UEFI; without
//   UEFI QEMU warns "SMMUv3 device only supported with pcie.0 for DT". So the per-bus form
//   is used only where the host has aarch64 UEFI; elsewhere the machine-wide form stays.
// - accel='on' is honoured only with pciBus (machine-wide: silently ignored) and needs KVM
//   (QEMU under TCG: "SMMUv3 accel=on requires KVM with kernel-irqchip=on support").
// - ats/ril/ssidsize/oas are accepted only with accel='on' ("accel must be enabled for iommu
//   model 'smmuv3' when setting ats, ril, ssidsize, oas, or cmdqv"). QEMU's arm-smmuv3
//   defaults are ats off, ril on, ssidsize 0, oas 44, and with accel it takes oas 44 or 48
//   only and ssidsize 0..20 (QEMU's smmu_validate_property, as posted with the accel series;
//   not measured here: accel cannot start under TCG).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "virt/domain_def.h"
#include "virt/host_facts.h"

namespace stratus::virt {

inline constexpr Version kLibvirtPerBusSmmu{11, 10, 0};
inline constexpr Version kQemuPerBusSmmu{10, 2, 0};

// Published by hosts that can run an accel='on' SMMUv3 (smmuAccelUnavailable empty);
// required by the scheduler for hw:viommu_accel=true requests.
inline constexpr std::string_view kSmmuv3AccelTrait = "CUSTOM_VIOMMU_SMMUV3_ACCEL";

// The first bus number of the top expander bus; each expander below reserves a block
// of 4 buses (its own root bus and up to 3 root ports), more when it has more devices,
// the way the lab's passing cases used 252 and 248.
inline constexpr unsigned kTopExpanderBusNr = 252;

// Whether `arch` guests on `host` take the per-bus form: aarch64, libvirt >= 11.10, the
// arch's QEMU >= 10.2 (HostFacts::qemuVersionFor) and aarch64 UEFI.
bool perBusSmmuv3(const HostFacts& host, std::string_view arch);

// Why `host` cannot run an accelerated (host-nested) SMMUv3, or "" when it can: it must
// be KVM, run aarch64 in the per-bus form, have an arm-smmu-v3 unit whose unit_caps say
// nesting, and offer iommufd-backed hostdevs (libvirt >= 12.1, aarch64 hostdev_iommufd
// listing "yes", /dev/iommu).
std::string smmuAccelUnavailable(const HostFacts& host);

// The assigned devices grouped by the host IOMMU unit they sit behind
// (PciDeviceFacts::iommu_unit), in order of each unit's first device. Devices whose
// unit is unknown (not in the facts, or no iommu_unit) form one shared group with an
// empty `unit`, last: the host cannot say which SMMU they use, and one vSMMU for all of
// them is what the machine-wide form gave them before.
struct SmmuGroup {
  std::string unit;                  // "smmu3.0x0000000009050000"; "" for unknown
  std::vector<std::size_t> devices;  // indexes into the hostdev list
};
std::vector<SmmuGroup> groupBySmmu(const std::vector<HostdevDef>& hostdevs,
                                   const std::vector<PciDeviceFacts>& facts);

// Lays out `d` (an aarch64 smmuv3 guest on a per-bus host) for its hostdevs: per group
// one pcie-expander-bus (indexes 1..G, busNr 252, 248, ...), behind it one pcie-root-port
// per device (indexes G+1...), each hostdev at slot 0 of its root port's bus, and one
// smmuv3 with pciBus = the expander's index. With no hostdevs: one smmuv3 on pcie.0
// (pciBus 0, never accel: no device to accelerate). `accel`: accel='on' on each per-bus
// SMMU whose host unit says nesting, with smmuAccelFeatures of that unit;
// checkSmmuAccelDevices refuses the others first. Clears the machine-wide `d.iommu`.
void applySmmuTopology(DomainDef& d, const HostFacts& host, bool accel);

// The accel sub-features of an accel='on' vSMMUv3 in front of host unit `unit`: offer the
// guest only what the unit has, and leave QEMU's default where the facts do not say.
// - ats='on' where the unit has ATS (QEMU's default is off, so nothing otherwise);
// - ril='on' / 'off' as the unit has range invalidation or not (QEMU's default is on);
// - ssidsize = the unit's SSID bits when above 0;
// - oas = 48 when the unit's OAS is at least 48, 44 when at least 44 (QEMU takes only those
//   two), nothing below 44.
void smmuAccelFeatures(IommuDef& smmu, const IommuUnitFacts& unit);

// With accel asked for, every assigned device must sit behind a host SMMU whose
// unit_caps say nesting: FailedPrecondition naming the first that does not (its address
// and unit, or that its unit is unknown). The host-level rule (smmuAccelUnavailable) is
// checked when planning; this one needs the devices the agent assigned.
Status checkSmmuAccelDevices(const std::vector<HostdevDef>& hostdevs, const HostFacts& host,
                             std::string_view key);

// Adds kSmmuv3AccelTrait when smmuAccelUnavailable(host) is empty.
void addSmmuAccelTrait(const HostFacts& host, std::set<std::string>& traits);

}  // namespace stratus::virt
