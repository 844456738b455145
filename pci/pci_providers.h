// The PCI resource providers a compute host publishes, as a pure function of its PCI
// facts and [pci] config (Nova: nova/compute/pci_placement_translator.py). The agent
// publishes exactly this list under its compute node provider; `stratus pci providers`
// prints it.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "pci/pci_config.h"
#include "virt/pci_facts.h"

namespace stratus::pci {

// Always on a PCI provider, so the agent can tell its own (os-traits).
inline constexpr std::string_view kManagedPciTrait = "COMPUTE_MANAGED_PCI_DEVICE";

struct PciProvider {
  std::string name;            // "<host>_<ADDRESS>", the address upper-case
  std::string parent;          // the compute node provider's name (the host)
  std::string address;         // the PF or the whole device the provider stands for
  std::string resource_class;  // the spec's, else CUSTOM_PCI_<VENDOR>_<PRODUCT>
  int total = 0;
  int reserved = 0;
  std::vector<std::string> traits;   // sorted: COMPUTE_MANAGED_PCI_DEVICE + the spec's
  std::vector<std::string> devices;  // the counted devices' addresses, sorted
};

// Why a matched device counts as reserved (empty: it does not).
std::string reservedReason(const virt::PciDeviceFacts& device, const DeviceSpec& spec,
                           const std::vector<virt::PciDeviceFacts>& devices);

// One provider per matched type-PCI or type-PF device, and one per PF whose VFs are
// matched (counting them; the PF itself is not given). validateAgainstHost runs first,
// so a config that cannot be published is an InvalidArgument error. Sorted by name.
Result<std::vector<PciProvider>> planPciProviders(const std::string& host,
                                                  const std::vector<virt::PciDeviceFacts>& devices,
                                                  const PciConfig& config);

// [{"name", "parent", "resource_class", "total", "reserved", "traits", "devices"}].
nlohmann::json pciProvidersToJson(const std::vector<PciProvider>& providers);

// The provider that counts `device`, or null.
const PciProvider* providerCounting(const std::vector<PciProvider>& providers,
                                    std::string_view address);

}  // namespace stratus::pci
