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

struct IommuFacts {
  bool dev_iommu = false;          // /dev/iommu: the kernel has iommufd
  bool vfio_cdev = false;          // /dev/vfio/devices holds VFIO device cdevs
  std::vector<std::string> units;  // entries of /sys/class/iommu
  std::string kernel_version;      // uname -r
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
