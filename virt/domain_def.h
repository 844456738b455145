// The guest domain as plain data, object <-> XML only: no policy lives here.
// Unset fields (Tristate::kAbsent, aw_bits 0, empty optionals) are not written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "virt/viommu_model.h"

namespace stratus::virt {

enum class Tristate { kAbsent, kOn, kOff };

struct IommuDriverDef {
  Tristate intremap = Tristate::kAbsent;
  Tristate caching_mode = Tristate::kAbsent;
  Tristate eim = Tristate::kAbsent;
  Tristate iotlb = Tristate::kAbsent;
  unsigned aw_bits = 0;

  bool empty() const {
    return intremap == Tristate::kAbsent && caching_mode == Tristate::kAbsent &&
           eim == Tristate::kAbsent && iotlb == Tristate::kAbsent && aw_bits == 0;
  }
};

struct IommuDef {
  ViommuModel model = ViommuModel::kIntel;  // a concrete model, never none or auto
  IommuDriverDef driver;
};

struct CpuDef {
  std::string mode;   // "host-passthrough" or "custom"
  std::string model;  // for mode custom
};

// <hostdev mode='subsystem' type='pci' managed='yes|no'>: one host PCI device the guest
// owns through VFIO (libvirt formatdomain "PCI devices").
struct HostdevDef {
  std::string address;  // "0000:01:10.0" (virt::isPciAddress form)
  bool managed = true;  // libvirt detaches it from the host driver and reattaches it
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
  std::optional<IommuDef> iommu;
  std::vector<HostdevDef> hostdevs;
  std::optional<NumaTuneDef> numatune;
  std::optional<std::uint64_t> memtune_hard_limit_kib;  // <memtune><hard_limit unit='KiB'>
};

}  // namespace stratus::virt
