#include "virt/viommu_model.h"

#include <array>
#include <cctype>
#include <utility>

namespace stratus::virt {
namespace {

struct ModelEntry {
  ViommuModel model;
  std::string_view name;
  std::string_view trait_suffix;
};

constexpr std::array<ModelEntry, 6> kModels = {{
    {ViommuModel::kNone, "none", ""},
    {ViommuModel::kIntel, "intel", "INTEL"},
    {ViommuModel::kSmmuv3, "smmuv3", "SMMUV3"},
    {ViommuModel::kVirtio, "virtio", "VIRTIO"},
    {ViommuModel::kAmd, "amd", "AMD"},
    {ViommuModel::kAuto, "auto", "AUTO"},
}};

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view viommuModelName(ViommuModel model) {
  for (const auto& e : kModels) {
    if (e.model == model) return e.name;
  }
  return "?";
}

std::string_view viommuTraitSuffix(ViommuModel model) {
  for (const auto& e : kModels) {
    if (e.model == model) return e.trait_suffix;
  }
  return "";
}

std::string viommuAllowedList() {
  std::string out;
  for (const auto& e : kModels) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

Result<ViommuModel> parseViommuModel(std::string_view value, std::string_view key) {
  for (const auto& e : kModels) {
    if (e.name == value) return e.model;
  }
  std::string why = "not a vIOMMU model";
  for (const auto& e : kModels) {
    if (equalsIgnoringCase(e.name, value)) {
      why = "values are lower case; did you mean '" + std::string(e.name) + "'?";
    }
  }
  return Error::invalid(std::string(key), std::string(value), viommuAllowedList(), why);
}

}  // namespace stratus::virt
