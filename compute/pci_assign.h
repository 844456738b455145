// From a claimed allocation to the concrete host PCI devices a guest gets. Pure: the
// allocation, this host's PCI facts and [pci] config, and who owns what already.
//
// Placement counts devices per provider; it does not say which one. So for every
// provider of the allocation that is one of this host's PCI providers (uuid =
// providerUuidFor(name) over pci::planPciProviders), the agent picks N of the devices
// that provider counts (a PF provider's VFs, a type-PCI provider's device): first the
// ones this server already owns (a spawn repeated after a restart gets the same
// devices), then free ones, lowest address first. A device owned by another server or
// in use outside Stratus (pci::reservedReason) is never picked.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "pci/pci_config.h"
#include "virt/host_facts.h"

namespace stratus::compute {

// PCI address ("0000:01:10.0") -> the server (UUID) that owns the device.
using DeviceOwners = std::map<std::string, std::string>;

struct AssignedDevice {
  std::string address;
  std::string provider;          // the PCI provider's name, "<host>_<ADDRESS>"
  bool managed = true;           // from the device_spec that matched the device
  std::optional<int> numa_node;  // from the host's facts
};

// `allocations`: {"<provider uuid>": {"resources": {"<RC>": N}}} (AgentTask::allocations).
// An allocation of the compute node alone (providerUuidFor(host)) plans no devices at
// all; a provider that is neither the compute node nor one of this host's PCI providers
// is FailedPrecondition naming it (the guest must not boot without its device).
// Errors: InvalidArgument naming "allocations" for a malformed document;
// FailedPrecondition naming the provider, how many it has free and who owns the others
// when fewer than N are free, or when the allocation's resource class is not the
// provider's. The result is ordered by provider name, then address.
Result<std::vector<AssignedDevice>> assignPciDevices(
    const nlohmann::json& allocations, const std::string& host, const virt::HostFacts& facts,
    const pci::PciConfig& config, const std::string& server_id, const DeviceOwners& owners);

}  // namespace stratus::compute
