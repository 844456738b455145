// The trait vocabulary: the standard names (os-traits plus Stratus' own
// COMPUTE_IOMMU_MODEL_*), the vIOMMU model names under the configured prefix, and
// the rules for custom names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/ini_config.h"
#include "common/result.h"

namespace stratus::traits {

// Stratus' own names for the vIOMMU models; os-traits spells them COMPUTE_VIOMMU_MODEL_*.
inline constexpr std::string_view kStratusViommuPrefix = "COMPUTE_IOMMU_MODEL_";
inline constexpr std::string_view kOsTraitsViommuPrefix = "COMPUTE_VIOMMU_MODEL_";
inline constexpr std::string_view kCustomPrefix = "CUSTOM_";
inline constexpr std::size_t kMaxTraitNameLength = 255;

inline constexpr std::string_view kStatusDisabled = "COMPUTE_STATUS_DISABLED";

// Sorted, unique: every os-traits name plus COMPUTE_IOMMU_MODEL_{INTEL,SMMUV3,VIRTIO,AMD,AUTO}.
const std::vector<std::string>& standardTraits();
bool isStandardTrait(std::string_view name);

// A name a provider may carry: a standard one, or CUSTOM_[A-Z0-9_]+ of at most 255
// characters. `key` names the field in the error.
Status validateTraitName(std::string_view name, std::string_view key = "trait");
Status validateCustomTraitName(std::string_view name, std::string_view key = "trait");

// "HW_ARCH_X86_64" for "x86_64"; empty when os-traits has no name for the arch.
std::string archTrait(std::string_view libvirt_arch);

// "CUSTOM_MEM_PAGE_SIZE_2048" for 2048 KiB pages.
std::string pageSizeTrait(std::uint64_t size_kib);

// The [traits] section: which spelling of the vIOMMU traits is published and required.
struct TraitsConfig {
  std::string viommu_prefix = std::string(kStratusViommuPrefix);

  // "<prefix><SUFFIX>", e.g. suffix "INTEL"; where that is no standard trait (os-traits has
  // no COMPUTE_VIOMMU_MODEL_AMD) the custom form "CUSTOM_VIOMMU_MODEL_AMD".
  std::string viommuTrait(std::string_view suffix) const;
  bool isViommuTrait(std::string_view name) const;
};

Result<TraitsConfig> traitsConfigFrom(const IniConfig& config);
// --viommu-trait-prefix on the command line, checked the same way as the INI key.
Status setViommuPrefix(TraitsConfig& config, std::string_view prefix, std::string_view key);

}  // namespace stratus::traits
