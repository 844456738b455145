#include "pci/pci_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace stratus::pci {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

constexpr std::string_view kAliasForm = "NAME:COUNT[, NAME:COUNT...] with COUNT an integer >= 1";

int strictness(NumaPolicy p) {
  switch (p) {
    case NumaPolicy::kRequired:
      return 3;
    case NumaPolicy::kSocket:
      return 2;
    case NumaPolicy::kLegacy:
      return 1;
    case NumaPolicy::kPreferred:
      return 0;
  }
  return 0;
}

std::string definedAliases(const PciConfig& config) {
  if (config.aliases.empty()) return "none: [pci] alias defines no alias";
  std::vector<std::string> names;
  for (const auto& a : config.aliases) names.push_back(a.name);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

int PciRequests::deviceCount() const {
  int n = 0;
  for (const auto& r : requests) n += r.count;
  return n;
}

NumaPolicy PciRequests::strictestPolicy() const {
  NumaPolicy out = NumaPolicy::kPreferred;
  for (const auto& r : requests) {
    if (strictness(r.numa_policy) > strictness(out)) out = r.numa_policy;
  }
  return requests.empty() ? NumaPolicy::kLegacy : out;
}

Result<std::vector<std::pair<std::string, int>>> parseAliasSpec(std::string_view value) {
  const std::string key(kFlavorPciAlias);
  const std::string raw(value);
  std::vector<std::pair<std::string, int>> out;
  if (trim(value).empty()) {
    return Error::invalid(key, raw, std::string(kAliasForm), "it names no alias");
  }
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t comma = value.find(',', start);
    const std::string_view item =
        trim(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
    start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    if (item.empty()) {
      return Error::invalid(key, raw, std::string(kAliasForm), "it has an empty item");
    }
    const std::size_t colon = item.rfind(':');
    if (colon == std::string_view::npos) {
      return Error::invalid(key, raw, std::string(kAliasForm),
                            "item '" + std::string(item) + "' has no ':COUNT'");
    }
    const std::string_view name = trim(item.substr(0, colon));
    const std::string_view count_text = trim(item.substr(colon + 1));
    if (name.empty()) {
      return Error::invalid(key, raw, std::string(kAliasForm),
                            "item '" + std::string(item) + "' has no alias name");
    }
    int count = 0;
    const auto [end, ec] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (count_text.empty() || ec != std::errc() || end != count_text.data() + count_text.size() ||
        count < 1) {
      return Error::invalid(key, raw, std::string(kAliasForm),
                            "the count of '" + std::string(name) + "' is '" +
                                std::string(count_text) + "', not an integer >= 1");
    }
    for (const auto& [seen, n] : out) {
      if (seen == name) {
        return Error::invalid(key, raw, std::string(kAliasForm),
                              "alias '" + std::string(name) + "' is named twice");
      }
    }
    out.emplace_back(std::string(name), count);
  }
  return out;
}

Status validatePciNumaPolicy(std::string_view key, std::string_view value) {
  auto p = parseNumaPolicy(value, key);
  if (!p) return p.takeError();
  return okStatus();
}

Result<PciRequests> pciRequestsFrom(const std::map<std::string, std::string>& extra_specs,
                                    const std::map<std::string, std::string>& image_properties,
                                    const PciConfig& config) {
  std::optional<NumaPolicy> policy;
  std::string policy_source;
  const auto flavor_policy = extra_specs.find(std::string(kFlavorPciNumaPolicy));
  const auto image_policy = image_properties.find(std::string(kImagePciNumaPolicy));
  if (flavor_policy != extra_specs.end()) {
    auto p = parseNumaPolicy(flavor_policy->second, kFlavorPciNumaPolicy);
    if (!p) return p.takeError();
    policy = *p;
    policy_source = std::string(kFlavorPciNumaPolicy);
  }
  if (image_policy != image_properties.end()) {
    auto p = parseNumaPolicy(image_policy->second, kImagePciNumaPolicy);
    if (!p) return p.takeError();
    if (policy && *policy != *p) {
      return Error::invalid(std::string(kFlavorPciNumaPolicy), flavor_policy->second,
                            "the same value in both, or only one of them",
                            "the image's " + std::string(kImagePciNumaPolicy) + "='" +
                                image_policy->second + "' differs from the flavor's");
    }
    policy = *p;
    if (policy_source.empty()) policy_source = std::string(kImagePciNumaPolicy);
  }

  PciRequests out;
  const auto spec = extra_specs.find(std::string(kFlavorPciAlias));
  if (spec == extra_specs.end()) return out;
  auto items = parseAliasSpec(spec->second);
  if (!items) return items.takeError();
  for (const auto& [name, count] : *items) {
    const Alias* alias = config.alias(name);
    if (alias == nullptr) {
      return Error::invalid(std::string(kFlavorPciAlias), spec->second, definedAliases(config),
                            "alias '" + name + "' is not defined in [pci] alias");
    }
    PciRequest r;
    r.alias = name;
    r.count = count;
    r.resource_class = alias->resourceClass();
    r.traits = alias->traits;
    r.device_type = alias->device_type;
    r.numa_policy = policy.value_or(alias->numa_policy);
    r.numa_policy_source = policy ? policy_source : "[pci] alias " + name;
    out.requests.push_back(std::move(r));
  }
  return out;
}

}  // namespace stratus::pci
