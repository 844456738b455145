// What a flavor and an image ask of PCI passthrough: the flavor's
// `pci_passthrough:alias` ("NAME:COUNT[, NAME:COUNT...]", Nova's syntax, nova/pci/request.py)
// resolved against the [pci] aliases, and the PCI-NUMA affinity policy
// (`hw:pci_numa_affinity_policy` / `hw_pci_numa_affinity_policy`, Nova's
// pci-numa-affinity spec; the alias's `numa_policy` when neither is set). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "pci/pci_config.h"

namespace stratus::pci {

inline constexpr std::string_view kFlavorPciAlias = "pci_passthrough:alias";
inline constexpr std::string_view kFlavorPciNumaPolicy = "hw:pci_numa_affinity_policy";
inline constexpr std::string_view kImagePciNumaPolicy = "hw_pci_numa_affinity_policy";

// One alias asked for `count` times.
struct PciRequest {
  std::string alias;
  int count = 1;
  std::string resource_class;       // the alias's resourceClass()
  std::vector<std::string> traits;  // the alias's traits
  std::optional<virt::PciDevType> device_type;
  NumaPolicy numa_policy = NumaPolicy::kLegacy;  // flavor/image policy, else the alias's
  std::string numa_policy_source;  // "hw:pci_numa_affinity_policy", ..., or "[pci] alias NAME"
};

struct PciRequests {
  std::vector<PciRequest> requests;  // in the order the flavor names them

  bool empty() const { return requests.empty(); }
  int deviceCount() const;
  // The strictest policy of any request (required > socket > legacy > preferred): the
  // guest is one NUMA placement, so the strictest request decides it.
  NumaPolicy strictestPolicy() const;
};

// The syntax alone, no config: "a:1, b:2" -> {{"a",1},{"b",2}}. Errors name
// pci_passthrough:alias, the value and the form; a count must be an integer >= 1 and an
// alias may appear once.
Result<std::vector<std::pair<std::string, int>>> parseAliasSpec(std::string_view value);

// The policy keys on their own (for the API's per-key validation): a value other than
// required, socket, preferred, legacy is InvalidArgument naming the key.
Status validatePciNumaPolicy(std::string_view key, std::string_view value);

// Everything together: the syntax, every alias defined in `config` (an unknown alias is
// InvalidArgument listing the defined ones), the policy keys, and flavor and image both
// setting different policies (InvalidArgument naming both keys and values).
Result<PciRequests> pciRequestsFrom(const std::map<std::string, std::string>& extra_specs,
                                    const std::map<std::string, std::string>& image_properties,
                                    const PciConfig& config);

}  // namespace stratus::pci
