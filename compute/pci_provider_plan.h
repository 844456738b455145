// The PCI child providers the agent wants under its compute node provider, decided
// from plain data (the host's PCI facts and [pci]). No I/O here.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "pci/pci_config.h"
#include "placement_client/client.h"
#include "virt/pci_facts.h"

namespace stratus::compute {

struct DesiredPciProvider {
  std::string name;     // "<host>_<ADDRESS upper-case>" (pci::planPciProviders)
  std::string uuid;     // providerUuidFor(name), common/uuid.h
  std::string address;  // the PF or whole device it stands for, lower-case
  placement_client::Inventories inventories;  // one class: {total=N, reserved=R, 1..N}
  // Exactly these on the provider: COMPUTE_MANAGED_PCI_DEVICE + the spec's traits.
  // The provider is wholly the agent's (as Nova's PCI-in-placement treats it), so
  // others' traits on it do not survive a sync.
  // (plus what provider config files add, compute/provider_config_plan.h).
  std::set<std::string> traits;
  // Classes the agent takes off the provider when they are not in `inventories`: the
  // plan's class and those it published there before (compute/provider_config_plan.h
  // fills it). Any other class, an operator's, stays.
  std::set<std::string> owned_classes;

  bool operator==(const DesiredPciProvider&) const = default;
};

// One desired provider per pci::planPciProviders entry, sorted by name. Fails as
// planPciProviders does (pci::validateAgainstHost: InvalidArgument naming
// [pci] device_spec).
Result<std::vector<DesiredPciProvider>> desiredPciProviders(
    const std::string& host, const std::vector<virt::PciDeviceFacts>& devices,
    const pci::PciConfig& config);

// The device address a PCI provider's name stands for ("cn1_0000:01:00.0" ->
// "0000:01:00.0"); the name unchanged when it does not start with "<host>_".
std::string pciAddressOfProviderName(const std::string& host, const std::string& name);

}  // namespace stratus::compute
