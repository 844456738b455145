// The guest domain as plain data, object <-> XML only: no policy lives here.
// Unset fields (Tristate::kAbsent, aw_bits 0, empty optionals) are not written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

struct DomainDef {
  std::string type;  // libvirt domain type: kvm or qemu
  std::string name;
  std::string uuid;  // empty: libvirt assigns one
  std::uint64_t memory_kib = 0;
  unsigned vcpus = 1;
  std::string arch;
  std::string machine;
  bool firmware_efi = false;
  bool acpi = false;
  bool ioapic_qemu = false;  // split irqchip, which interrupt remapping needs
  std::optional<std::uint64_t> hugepage_kib;
  bool locked_memory = false;
  std::optional<CpuDef> cpu;
  std::optional<IommuDef> iommu;
};

}  // namespace stratus::virt
