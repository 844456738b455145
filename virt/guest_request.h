// A flavor and an image's properties, parsed into what the guest asks for, with
// every rule that needs no host applied. The API validates one key at a time with
// validateExtraSpec / validateImageProperty, then the whole request with
// parseGuestRequest; the compute host then plans it against its facts (guest_plan.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "virt/page_size.h"
#include "virt/viommu_model.h"
#include "virt/virt_config.h"

namespace stratus::virt {

struct Flavor {
  std::string name;
  unsigned vcpus = 1;
  std::uint64_t ram_mib = 512;
  std::uint64_t disk_gib = 0;
  std::map<std::string, std::string> extra_specs;
};

using ImageProperties = std::map<std::string, std::string>;

inline constexpr std::string_view kFlavorViommu = "hw:viommu_model";
inline constexpr std::string_view kImageViommu = "hw_viommu_model";
inline constexpr std::string_view kFlavorLocked = "hw:locked_memory";
inline constexpr std::string_view kImageLocked = "hw_locked_memory";
inline constexpr std::string_view kFlavorPageSize = "hw:mem_page_size";
inline constexpr std::string_view kImagePageSize = "hw_mem_page_size";
// Stratus's own: host-nested (accelerated) SMMUv3, smmuv3 only (smmu_topology.h).
inline constexpr std::string_view kFlavorViommuAccel = "hw:viommu_accel";
inline constexpr std::string_view kImageViommuAccel = "hw_viommu_accel";
inline constexpr std::string_view kImageArch = "hw_architecture";
inline constexpr std::string_view kImageMachine = "hw_machine_type";
// PCI-NUMA affinity (pci/pci_request.h validates the value; it needs nothing of virt/).
inline constexpr std::string_view kFlavorPciNumaPolicy = "hw:pci_numa_affinity_policy";
inline constexpr std::string_view kImagePciNumaPolicy = "hw_pci_numa_affinity_policy";

// A setting and which key it came from, so that errors name what the user wrote.
template <typename T>
struct Sourced {
  T value{};
  std::string key;
  std::string raw;  // as the user wrote it
};

struct GuestRequest {
  std::string name;
  unsigned vcpus = 1;
  std::uint64_t ram_mib = 0;
  Sourced<ViommuModel> viommu{ViommuModel::kNone, std::string(kFlavorViommu), "none"};
  std::optional<Sourced<bool>> locked_memory;
  std::optional<Sourced<bool>> viommu_accel;  // hw:viommu_accel / hw_viommu_accel; unset: false
  std::optional<Sourced<PageSizeRequest>> page_size;
  std::optional<std::string> arch;          // hw_architecture; else the host's arch
  std::optional<std::string> machine_type;  // hw_machine_type; else [libvirt] hw_machine_type
};

// true/false/yes/no/on/off/1/0/t/f/y/n in any case.
Result<bool> parseBoolSpec(std::string_view value, std::string_view key);

// One extra spec or image property on its own. Keys in the hw namespace that Stratus
// does not know are rejected: a setting it would not honour must not pass unnoticed.
// Keys outside it are not virt/'s to judge and pass.
Status validateExtraSpec(std::string_view key, std::string_view value);
Status validateImageProperty(std::string_view key, std::string_view value);

// The whole request: each value, then flavor/image conflicts, locked memory without a
// page size, the image's page size against what the flavor allows, viommu_accel=true
// only with the smmuv3 model, the vCPU rule
// and, when the image names the arch, the model against arch and machine type.
Result<GuestRequest> parseGuestRequest(const Flavor& flavor, const ImageProperties& image,
                                       const VirtConfig& config);

}  // namespace stratus::virt
