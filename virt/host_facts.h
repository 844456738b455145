// What a host can do, as one plain value. It is probed from libvirt and the kernel
// (host_probe_libvirt), or read from a captured JSON document, so that a host can be
// reasoned about on another machine. Every decision about a host takes this value.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "virt/pci_facts.h"
#include "virt/version.h"

namespace stratus::virt {

enum class VirtType { kKvm, kQemu };
std::string_view virtTypeName(VirtType type);  // "kvm" / "qemu", libvirt's domain types

struct GuestArchFacts {
  std::string arch;                       // libvirt's name: x86_64, aarch64, ...
  std::vector<std::string> domain_types;  // "qemu", "kvm"
  std::vector<std::string> machines;      // canonical names and aliases
  bool uefi = false;                      // UEFI firmware is installed for this arch
  // "qemu_version": the version of this arch's emulator. libvirt reports one hypervisor
  // version per connection; an emulator's own shows in the newest versioned machine type
  // it lists (QEMU names them after its release: pc-q35-11.1, virt-11.1). Absent in
  // documents captured before it was recorded: HostFacts::qemuVersionFor falls back.
  std::optional<Version> qemu_version;
  // "vcpu_max": domain capabilities' <vcpu max> for the arch's probe machine (q35, virt).
  std::optional<unsigned> vcpu_max;
  // "hostdev_pci_backends" / "hostdev_iommufd": domain capabilities' hostdev enums
  // pciBackend (e.g. "default", "vfio") and iommufd (e.g. "yes", "no"; libvirt >= 12.1).
  // Absent (nullopt) where libvirt did not report the enum.
  std::optional<std::vector<std::string>> hostdev_pci_backends;
  std::optional<std::vector<std::string>> hostdev_iommufd;

  bool hasDomainType(std::string_view type) const;
  bool hasMachine(std::string_view machine) const;
};

struct PageFacts {
  std::uint64_t size_kib = 0;
  std::uint64_t total = 0;
  std::uint64_t free = 0;
};

struct NumaCellFacts {
  int id = 0;
  std::vector<int> cpus;
  // libvirt capabilities' <cpu socket_id> of the cell's first CPU; absent in documents
  // captured before it was recorded ("socket_id", optional).
  std::optional<int> socket_id;
  std::uint64_t memory_kib = 0;
  std::vector<PageFacts> pages;
};

// What one host IOMMU unit can do for iommufd users, as far as the host can tell. Each
// capability is optional: absent where the kernel exposes nothing to read it from (Intel
// VT-d publishes its cap/ecap registers under /sys/class/iommu/dmarN/intel-iommu/;
// arm-smmu-v3 publishes no registers in sysfs, so an SMMU's come from captured data or
// iommufd's IOMMU_GET_HW_INFO). Decisions treat absent as "not known to work".
struct IommuUnitFacts {
  std::string name;             // the /sys/class/iommu entry: "dmar0", "smmu3.0x0000000009050000"
  std::string driver;           // "intel-iommu", "arm-smmu-v3", "amd-iommu"; empty when unknown
  std::optional<bool> nesting;  // hardware nested translation (guest-owned stage 1)
  std::optional<bool> dirty_tracking;  // IOMMU dirty-page tracking for live migration
  // arm-smmu-v3 only, from the SMMU's IDR registers (kernel_iommu_probe.h smmuv3IdrCaps):
  // what an accel='on' vSMMUv3 in front of this unit may offer the guest. JSON keys "ats",
  // "ril", "ssid_bits", "oas_bits", written only when known; older documents lack them.
  std::optional<bool> ats;            // IDR0.ATS: PCIe Address Translation Services
  std::optional<bool> ril;            // IDR3.RIL: range-based TLB invalidation
  std::optional<unsigned> ssid_bits;  // IDR1.SSIDSIZE: SubstreamID (PASID) bits, 0..20
  std::optional<unsigned> oas_bits;   // IDR5.OAS: output address size, 32..52 bits
};

struct IommuFacts {
  bool dev_iommu = false;          // /dev/iommu: the kernel has iommufd
  bool vfio_cdev = false;          // /dev/vfio/devices holds VFIO device cdevs
  std::vector<std::string> units;  // entries of /sys/class/iommu
  std::string kernel_version;      // uname -r
  // "unit_caps": one entry per unit whose capabilities were read; documents captured
  // before it was recorded have none.
  std::vector<IommuUnitFacts> unit_caps;

  const IommuUnitFacts* unitCaps(std::string_view name) const;
};

struct HostFacts {
  std::string hostname;
  std::string arch;
  Version libvirt_version;
  Version qemu_version;
  VirtType virt_type = VirtType::kQemu;
  std::vector<GuestArchFacts> guests;
  std::vector<NumaCellFacts> numa_cells;
  IommuFacts iommu;
  std::vector<PciDeviceFacts> pci_devices;  // "pci_devices"; documents without it have none

  const GuestArchFacts* guest(std::string_view arch) const;
  // The QEMU version that runs `arch` guests: the arch's own when known, else qemu_version.
  Version qemuVersionFor(std::string_view arch) const;
  // The guest arches this host runs under its virt type: under kvm only those
  // with the kvm domain type, under qemu every arch it has an emulator for.
  bool runsArch(std::string_view arch) const;
  std::vector<std::string> runnableArches() const;
  unsigned cpuCount() const;
  std::uint64_t memoryKib() const;
};

nlohmann::json hostFactsToJson(const HostFacts& facts);
// Strict: missing or mistyped fields are errors naming the field.
Result<HostFacts> hostFactsFromJson(const nlohmann::json& doc);
Result<HostFacts> hostFactsFromText(const std::string& text, const std::string& source);
Result<HostFacts> loadHostFacts(const std::string& path);

}  // namespace stratus::virt
