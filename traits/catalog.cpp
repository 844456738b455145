#include "traits/catalog.h"

#include <algorithm>
#include <array>

namespace stratus::traits {
namespace {

constexpr std::array<std::string_view, 5> kViommuSuffixes = {"INTEL", "SMMUV3", "VIRTIO", "AMD",
                                                             "AUTO"};

std::vector<std::string> buildCatalog() {
  std::vector<std::string> names = {
#include "traits/os_traits.inc"
  };
  for (auto suffix : kViommuSuffixes) {
    names.push_back(std::string(kStratusViommuPrefix) + std::string(suffix));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool isCustomChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

const std::vector<std::string>& standardTraits() {
  static const std::vector<std::string> catalog = buildCatalog();
  return catalog;
}

bool isStandardTrait(std::string_view name) {
  const auto& catalog = standardTraits();
  return std::binary_search(catalog.begin(), catalog.end(), name,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

Status validateCustomTraitName(std::string_view name, std::string_view key) {
  const std::string allowed = "CUSTOM_ followed by A-Z, 0-9 and _, at most 255 characters";
  if (!name.starts_with(kCustomPrefix) || name.size() == kCustomPrefix.size()) {
    return Error::invalid(std::string(key), std::string(name), allowed,
                          "a custom trait must start with CUSTOM_ and have a name after it");
  }
  if (name.size() > kMaxTraitNameLength) {
    return Error::invalid(std::string(key), std::string(name), allowed,
                          "it is " + std::to_string(name.size()) + " characters long");
  }
  auto bad = std::find_if_not(name.begin(), name.end(), isCustomChar);
  if (bad != name.end()) {
    return Error::invalid(std::string(key), std::string(name), allowed,
                          std::string("character '") + *bad + "' is not allowed");
  }
  return okStatus();
}

Status validateTraitName(std::string_view name, std::string_view key) {
  if (isStandardTrait(name)) return okStatus();
  if (name.starts_with(kCustomPrefix)) return validateCustomTraitName(name, key);
  return Error::invalid(std::string(key), std::string(name),
                        "a standard trait name (os-traits or COMPUTE_IOMMU_MODEL_*) or "
                        "CUSTOM_[A-Z0-9_]+",
                        "not a standard trait and not a custom one");
}

std::string archTrait(std::string_view libvirt_arch) {
  // os-traits drops the endianness letter of the 32-bit ARM names libvirt uses.
  if (libvirt_arch == "armv6l") return "HW_ARCH_ARMV6";
  if (libvirt_arch == "armv7l") return "HW_ARCH_ARMV7";
  std::string name = "HW_ARCH_";
  for (char c : libvirt_arch)
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return isStandardTrait(name) ? name : std::string();
}

std::string pageSizeTrait(std::uint64_t size_kib) {
  return "CUSTOM_MEM_PAGE_SIZE_" + std::to_string(size_kib);
}

std::string TraitsConfig::viommuTrait(std::string_view suffix) const {
  std::string name = viommu_prefix + std::string(suffix);
  // os-traits has no COMPUTE_VIOMMU_MODEL_AMD; Placement would refuse a non-standard
  // name outside CUSTOM_, so the model is published as CUSTOM_VIOMMU_MODEL_AMD there.
  if (!isStandardTrait(name) && name.starts_with("COMPUTE_")) {
    name = std::string(kCustomPrefix) + name.substr(std::string_view("COMPUTE_").size());
  }
  return name;
}

bool TraitsConfig::isViommuTrait(std::string_view name) const {
  return std::any_of(kViommuSuffixes.begin(), kViommuSuffixes.end(),
                     [&](std::string_view suffix) { return viommuTrait(suffix) == name; });
}

Status setViommuPrefix(TraitsConfig& config, std::string_view prefix, std::string_view key) {
  if (prefix != kStratusViommuPrefix && prefix != kOsTraitsViommuPrefix) {
    return Error::invalid(
        std::string(key), std::string(prefix),
        std::string(kStratusViommuPrefix) + ", " + std::string(kOsTraitsViommuPrefix),
        "only these spellings name traits that exist");
  }
  config.viommu_prefix = std::string(prefix);
  return okStatus();
}

Result<TraitsConfig> traitsConfigFrom(const IniConfig& config) {
  if (auto s = requireKnownKeys(config, "traits", {"viommu_trait_prefix"}); !s) {
    return s.takeError();
  }
  TraitsConfig out;
  if (auto prefix = config.get("traits", "viommu_trait_prefix")) {
    if (auto s = setViommuPrefix(out, *prefix, "[traits] viommu_trait_prefix"); !s) {
      return s.takeError();
    }
  }
  return out;
}

}  // namespace stratus::traits
