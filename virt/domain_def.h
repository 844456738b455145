// The guest domain as plain data, object <-> XML only: no policy lives here.
// Unset fields (Tristate::kAbsent, aw_bits 0, empty optionals) are not written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "virt/guest_owner.h"
#include "virt/viommu_model.h"

namespace stratus::virt {

enum class Tristate { kAbsent, kOn, kOff };

struct IommuDriverDef {
  Tristate intremap = Tristate::kAbsent;
  Tristate caching_mode = Tristate::kAbsent;
  Tristate eim = Tristate::kAbsent;
  Tristate iotlb = Tristate::kAbsent;
  Tristate xtsup = Tristate::kAbsent;  // amd only: x2APIC for more than 255 vCPUs
  unsigned aw_bits = 0;
  // virtio only: <granule mode='host'/>, the vIOMMU's page granule follows the host's.
  bool granule_host = false;

  bool empty() const {
    return intremap == Tristate::kAbsent && caching_mode == Tristate::kAbsent &&
           eim == Tristate::kAbsent && iotlb == Tristate::kAbsent && xtsup == Tristate::kAbsent &&
           aw_bits == 0 && !granule_host;
  }
};

struct IommuDef {
  ViommuModel model = ViommuModel::kIntel;  // a concrete model, never none or auto
  IommuDriverDef driver;
  // smmuv3 only (libvirt >= 11.10): <driver pciBus='N'/>, N the index of the
  // pcie-expander-bus controller the SMMU sits on, 0 for pcie.0. Set only in
  // DomainDef::bus_iommus; the machine-wide DomainDef::iommu never has it.
  std::optional<unsigned> pci_bus{};
  // smmuv3 with pci_bus only: <driver accel='on'/>, host-nested SMMUv3 (libvirt ignores
  // it on the machine-wide form, REFERENCE.md 3.1).
  Tristate accel = Tristate::kAbsent;
  // With accel only (libvirt refuses them otherwise, REFERENCE.md 3.1): <driver ats= ril=
  // ssidsize= oas=>, chosen from the host SMMU unit by smmuAccelFeatures.
  Tristate ats = Tristate::kAbsent;
  Tristate ril = Tristate::kAbsent;
  std::optional<unsigned> ssidsize{};
  std::optional<unsigned> oas{};
};

// A guest PCI address, <address type='pci' domain=.. bus=.. slot=.. function=../>.
struct GuestPciAddress {
  unsigned domain = 0;
  unsigned bus = 0;  // a controller index
  unsigned slot = 0;
  unsigned function = 0;
};

// <controller type='pci' index=N model=...>: the PCIe topology the plan lays out
// (libvirt formatdomain "Controllers"). libvirt adds pcie-root (index 0) itself.
struct PciControllerDef {
  enum class Model { kPcieExpanderBus, kPcieRootPort };
  Model model = Model::kPcieRootPort;
  unsigned index = 0;
  std::optional<unsigned> bus_nr;          // pcie-expander-bus: <target busNr=...>, its first bus
  std::optional<GuestPciAddress> address;  // where it sits; nullopt: libvirt picks (pcie.0)
};

struct CpuDef {
  std::string mode;                            // "host-passthrough" or "custom"
  std::string model;                           // for mode custom
  std::vector<std::string> required_features;  // <feature policy='require' name=.../>
};

// <hostdev mode='subsystem' type='pci' managed='yes|no'>: one host PCI device the guest
// owns through VFIO (libvirt formatdomain "PCI devices").
struct HostdevDef {
  std::string address;  // "0000:01:10.0" (virt::isPciAddress form)
  bool managed = true;  // libvirt detaches it from the host driver and reattaches it
  // Where the guest sees it; nullopt lets libvirt choose (it picks a pcie.0 root port).
  std::optional<GuestPciAddress> guest_address{};
  // <driver iommufd='yes'/>: QEMU gets the device through iommufd, not the legacy VFIO
  // container (virt/iommufd_plan.h decides; libvirt >= 12.1).
  bool iommufd = false;
};

// <numatune><memory mode='strict|preferred' nodeset='...'/></numatune>.
struct NumaTuneDef {
  bool strict = true;
  std::string nodeset;  // libvirt's syntax, "1" or "0-1"
};

struct DomainDef {
  std::string type;  // libvirt domain type: kvm or qemu
  std::string name;
  std::string uuid;  // empty: libvirt assigns one
  // <metadata><stratus:owner host=.. agent=../></metadata> (virt/guest_owner.h); unset:
  // no <metadata>.
  std::optional<GuestOwner> owner;
  std::uint64_t memory_kib = 0;
  unsigned vcpus = 1;
  std::string vcpu_cpuset;  // <vcpu cpuset='2-3'>; empty: the vCPUs float
  std::string arch;
  std::string machine;
  bool firmware_efi = false;
  bool acpi = false;
  bool ioapic_qemu = false;  // split irqchip, which interrupt remapping needs
  std::optional<std::uint64_t> hugepage_kib;
  bool locked_memory = false;
  std::optional<CpuDef> cpu;
  std::optional<IommuDef> iommu;  // the machine-wide / single form
  // The per-bus form (smmuv3 with pciBus), one per bus; never set together with `iommu`
  // (QEMU refuses the mix: "virt machine already has iommu=smmuv3 set").
  std::vector<IommuDef> bus_iommus;
  std::vector<PciControllerDef> controllers;  // rendered in order, before the hostdevs
  std::vector<HostdevDef> hostdevs;
  std::optional<NumaTuneDef> numatune;
  std::optional<std::uint64_t> memtune_hard_limit_kib;  // <memtune><hard_limit unit='KiB'>
};

}  // namespace stratus::virt
