// The vIOMMU models a flavor or image may ask for. One table serves parsing,
// formatting, trait names and the "allowed" part of error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::virt {

enum class ViommuModel { kNone, kIntel, kSmmuv3, kVirtio, kAmd, kAuto };

// "none", "intel", "smmuv3", "virtio", "amd", "auto": the exact spelling users write.
std::string_view viommuModelName(ViommuModel model);
// "INTEL", "SMMUV3", "VIRTIO", "AMD", "AUTO" (no trait for none).
std::string_view viommuTraitSuffix(ViommuModel model);
// "none, intel, smmuv3, virtio, amd, auto"
std::string viommuAllowedList();
// Exact lower case only; a value that differs only in case gets a hint.
Result<ViommuModel> parseViommuModel(std::string_view value, std::string_view key);

// The models 'auto' may pick, in the order it prefers them when all else is equal. amd
// is not among them: it is chosen only when asked for by name.
inline constexpr ViommuModel kConcreteViommuModels[] = {ViommuModel::kVirtio, ViommuModel::kIntel,
                                                        ViommuModel::kSmmuv3};
// Every concrete model: what a host publishes traits for and what error messages list.
inline constexpr ViommuModel kAllConcreteViommuModels[] = {
    ViommuModel::kVirtio, ViommuModel::kIntel, ViommuModel::kSmmuv3, ViommuModel::kAmd};

}  // namespace stratus::virt
