#include "scheduler/flavor_request.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/uuid.h"
#include "pci/pci_request.h"
#include "scheduler/request_spec.h"
#include "traits/catalog.h"
#include "traits/resource_classes.h"
#include "virt/guest_request.h"

namespace stratus::scheduler {
namespace {

constexpr std::string_view kResources = "resources";
constexpr std::string_view kTrait = "trait";
constexpr std::string_view kMemberOf = "member_of";
constexpr std::size_t kMaxSuffix = 64;
constexpr std::size_t kMaxName = 255;
// Placement keeps amounts as 32-bit integers.
constexpr std::int64_t kMaxAmount = 2147483647;

const std::string kSuffixAllowed = "a group suffix of 1 to 64 characters from a-z, A-Z, 0-9, _, -";

bool isSuffixChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool isCustomName(std::string_view name) {
  if (!name.starts_with(traits::kCustomPrefix) || name.size() == traits::kCustomPrefix.size() ||
      name.size() > kMaxName)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Status checkSuffix(std::string_view key, std::string_view value, std::string_view suffix) {
  if (suffix.size() <= kMaxSuffix && std::all_of(suffix.begin(), suffix.end(), isSuffixChar))
    return okStatus();
  return Error::invalid(std::string(key), std::string(value), kSuffixAllowed,
                        "'" + std::string(suffix) + "' is not a request group suffix");
}

// "resources<S>:<NAME>" / "trait<S>:<NAME>" -> (S, NAME).
Result<std::pair<std::string, std::string>> splitKey(std::string_view key, std::string_view value,
                                                     std::string_view base, std::string_view what) {
  const std::string_view rest = key.substr(base.size());
  const auto colon = rest.find(':');
  const std::string form = std::string(base) + "[SUFFIX]:" + std::string(what) +
                           " (SUFFIX: 1 to 64 characters from a-z, A-Z, 0-9, _, -)";
  if (colon == std::string_view::npos) {
    return Error::invalid(std::string(key), std::string(value), form,
                          "the key has no ':' before the " + std::string(what));
  }
  const std::string_view suffix = rest.substr(0, colon);
  if (auto s = checkSuffix(key, value, suffix); !s) return s.error();
  const std::string_view name = rest.substr(colon + 1);
  if (name.empty()) {
    return Error::invalid(std::string(key), std::string(value), form,
                          "the key names no " + std::string(what));
  }
  return std::pair{std::string(suffix), std::string(name)};
}

const std::string& resourceClassesAllowed() {
  static const std::string text = [] {
    std::string s = "a standard resource class (";
    const auto& classes = traits::standardResourceClasses();
    for (std::size_t i = 0; i < classes.size(); ++i) s += (i ? ", " : "") + classes[i];
    return s + ") or CUSTOM_[A-Z0-9_]+";
  }();
  return text;
}

Result<PlacementItem> parseResourceSpec(std::string_view key, std::string_view value) {
  auto split = splitKey(key, value, kResources, "RESOURCE_CLASS");
  if (!split) return split.takeError();
  auto& [suffix, rc] = *split;
  if (rc.starts_with(traits::kCustomPrefix)) {
    if (!isCustomName(rc)) {
      return Error::invalid(std::string(key), std::string(value), resourceClassesAllowed(),
                            rc + " is not a valid custom resource class");
    }
  } else if (!traits::isStandardResourceClass(rc)) {
    return Error::invalid(std::string(key), std::string(value), resourceClassesAllowed(),
                          rc + " is not a standard resource class");
  }
  const bool digits =
      !value.empty() && value.size() <= 10 &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::int64_t amount = digits ? std::stoll(std::string(value)) : -1;
  if (amount < 0 || amount > kMaxAmount) {
    return Error::invalid(std::string(key), std::string(value),
                          "a whole number from 0 to " + std::to_string(kMaxAmount),
                          "not a resource count");
  }
  PlacementItem item;
  item.kind = PlacementItem::Kind::kResource;
  item.suffix = suffix;
  item.name = rc;
  item.amount = amount;
  return item;
}

Result<std::string> parseTraitName(std::string_view key, std::string_view value) {
  auto split = splitKey(key, value, kTrait, "TRAIT");
  if (!split) return split.takeError();
  const std::string& name = split->second;
  if (traits::isStandardTrait(name) || isCustomName(name)) return split->first;
  return Error::invalid(std::string(key), std::string(value),
                        "a standard trait (os-traits or COMPUTE_IOMMU_MODEL_*) or "
                        "CUSTOM_[A-Z0-9_]+ after the ':'",
                        name + " is neither a standard trait nor a custom one");
}

Result<PlacementItem> parseTraitSpec(std::string_view key, std::string_view value) {
  auto suffix = parseTraitName(key, value);
  if (!suffix) return suffix.takeError();
  PlacementItem item;
  if (value == "required") {
    item.kind = PlacementItem::Kind::kRequired;
  } else if (value == "forbidden") {
    item.kind = PlacementItem::Kind::kForbidden;
  } else {
    return Error::invalid(std::string(key), std::string(value), "required, forbidden",
                          "not a trait requirement");
  }
  item.suffix = *suffix;
  item.name = std::string(key.substr(key.find(':') + 1));
  return item;
}

// Placement's member_of value: "UUID", "in:UUID,UUID", either with a leading '!'
// (microversion 1.32) to keep out of those aggregates.
Result<PlacementItem> parseMemberOfSpec(std::string_view key, std::string_view value) {
  const std::string_view suffix = key.substr(kMemberOf.size());
  if (auto s = checkSuffix(key, value, suffix); !s) return s.error();
  const std::string allowed =
      "an aggregate UUID, or in:UUID,UUID,... for any of several, either with a leading '!' "
      "to keep out of them";
  std::string_view rest = value;
  if (rest.starts_with('!')) rest.remove_prefix(1);
  const bool list = rest.starts_with("in:");
  if (list) rest.remove_prefix(3);
  std::size_t count = 0;
  while (true) {
    const auto comma = rest.find(',');
    const std::string uuid(rest.substr(0, comma));
    ++count;
    if (!isCanonicalUuid(uuid)) {
      return Error::invalid(std::string(key), std::string(value), allowed,
                            "'" + uuid + "' is not an aggregate UUID");
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (count > 1 && !list) {
    return Error::invalid(std::string(key), std::string(value), allowed,
                          "several aggregates need the in: prefix");
  }
  PlacementItem item;
  item.kind = PlacementItem::Kind::kMemberOf;
  item.suffix = std::string(suffix);
  item.name = std::string(value);
  return item;
}

Result<PlacementItem> parsePlacementSpec(std::string_view key, std::string_view value) {
  Result<PlacementItem> item = key.starts_with(kResources) ? parseResourceSpec(key, value)
                               : key.starts_with(kTrait)   ? parseTraitSpec(key, value)
                                                           : parseMemberOfSpec(key, value);
  if (item) {
    item->key = std::string(key);
    item->value = std::string(value);
  }
  return item;
}

}  // namespace

std::string PlacementItem::label() const {
  return std::string(from_image ? "image " : "flavor ") + key + "=" + value;
}

bool PlacementItem::overridesFlavorAmount() const {
  return kind == Kind::kResource && suffix.empty() &&
         (name == "VCPU" || name == "MEMORY_MB" || name == "DISK_GB");
}

bool isPlacementSpecKey(std::string_view key) {
  return key.starts_with(kResources) || key.starts_with(kTrait) || key.starts_with(kMemberOf);
}

Status validatePlacementSpec(std::string_view key, std::string_view value) {
  if (!isPlacementSpecKey(key)) return okStatus();
  return toStatus(parsePlacementSpec(key, value));
}

Status validateImageTraitProperty(std::string_view key, std::string_view value) {
  if (!key.starts_with(kImageTraitPrefix)) return okStatus();
  auto suffix = parseTraitName(key, value);
  if (!suffix) return suffix.takeError();
  if (value != "required") {
    return Error::invalid(std::string(key), std::string(value), "required",
                          "an image may only require a trait");
  }
  return okStatus();
}

const std::string& honouredExtraSpecNamespaces() {
  static const std::string text =
      "hw: (" + std::string(virt::kFlavorViommu) + ", " + std::string(virt::kFlavorViommuAccel) +
      ", " + std::string(virt::kFlavorLocked) + ", " + std::string(virt::kFlavorPageSize) + ", " +
      std::string(pci::kFlavorPciNumaPolicy) + "), " + std::string(pci::kFlavorPciAlias) + ", " +
      std::string(kFlavorGroupPolicy) +
      ", resources[SUFFIX]:RESOURCE_CLASS, trait[SUFFIX]:TRAIT, member_of[SUFFIX]";
  return text;
}

Status checkExtraSpecHonoured(std::string_view key, std::string_view value) {
  // hw: and pci_passthrough: are honoured namespaces: an unknown key in them is refused
  // by virt/ and pci/ whatever [api] allow_unknown_extra_specs says.
  if (key.starts_with("hw:") || key.starts_with("pci_passthrough:") || key == kFlavorGroupPolicy ||
      isPlacementSpecKey(key))
    return okStatus();
  return Error::invalid(
      std::string(key), std::string(value),
      "extra specs in the namespaces Stratus acts on: " + honouredExtraSpecNamespaces() +
          " (or [api] allow_unknown_extra_specs = true to store others)",
      "Stratus does not act on this extra spec");
}

Result<FlavorRequest> parseFlavorRequest(const std::map<std::string, std::string>& extra_specs,
                                         const std::map<std::string, std::string>& image) {
  // Per group: resources first, so that a query built item by item is always one
  // placement accepts (a numbered group needs resources).
  std::map<std::string, std::pair<std::vector<PlacementItem>, std::vector<PlacementItem>>> groups;
  for (const auto& [key, value] : extra_specs) {
    if (!isPlacementSpecKey(key)) continue;
    auto item = parsePlacementSpec(key, value);
    if (!item) return item.takeError();
    auto& group = groups[item->suffix];
    // A numbered group's zero amount asks nothing (Nova drops it too).
    if (item->kind == PlacementItem::Kind::kResource && item->amount == 0 && !item->suffix.empty())
      continue;
    (item->kind == PlacementItem::Kind::kResource ? group.first : group.second)
        .push_back(std::move(*item));
  }
  FlavorRequest out;
  for (auto& [suffix, group] : groups) {
    if (!suffix.empty()) {
      if (group.first.empty()) {
        const PlacementItem& first = group.second.front();
        return Error::invalid(first.key, first.value,
                              "a resources" + suffix + ":RESOURCE_CLASS extra spec next to it",
                              "request group " + suffix +
                                  " asks for no resources, and placement needs some in every "
                                  "numbered group");
      }
      out.suffixes.push_back(suffix);
    }
    for (auto* part : {&group.first, &group.second}) {
      for (auto& item : *part) out.items.push_back(std::move(item));
    }
  }
  if (out.suffixes.size() >= 2 && !extra_specs.contains(std::string(kFlavorGroupPolicy))) {
    std::string names;
    for (const auto& s : out.suffixes) names += (names.empty() ? "" : ", ") + s;
    return Error::invalid(std::string(kFlavorGroupPolicy), "", "none, isolate",
                          "the flavor has " + std::to_string(out.suffixes.size()) +
                              " numbered request groups (" + names +
                              "), so it must say whether they may share a provider");
  }
  for (const auto& [key, value] : image) {
    if (!key.starts_with(kImageTraitPrefix)) continue;
    if (auto s = validateImageTraitProperty(key, value); !s) return s.error();
    PlacementItem item;
    item.kind = PlacementItem::Kind::kRequired;
    item.name = key.substr(kImageTraitPrefix.size());
    item.key = key;
    item.value = value;
    item.from_image = true;
    out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace stratus::scheduler
