// What the agent wants placement to say about its host, decided from plain data:
// the host facts, the disk size and the settings. No I/O here.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "common/uuid.h"
#include "compute/compute_config.h"
#include "placement_client/client.h"
#include "virt/host_facts.h"

namespace stratus::compute {

struct DesiredProvider {
  std::string name;
  placement_client::Inventories inventories;
  std::set<std::string> traits;  // every trait the agent derives; all of them agent-owned
};

// VCPU, MEMORY_MB and DISK_GB as Nova's libvirt driver reports them: the whole host as
// total, the host's own share as reserved, the ratio for overcommit. A class whose
// total is 0 is left out (placement refuses a zero total). Fails when a reservation
// exceeds what the host has, naming the setting.
Result<placement_client::Inventories> desiredInventories(const virt::HostFacts& host,
                                                         std::uint64_t disk_gb,
                                                         const ResourceConfig& config);

Result<DesiredProvider> desiredProvider(const std::string& name, const virt::HostFacts& host,
                                        std::uint64_t disk_gb, const AgentConfig& config);

// The traits the agent owns: the vIOMMU model traits under the configured prefix,
// HW_ARCH_* and CUSTOM_MEM_PAGE_SIZE_*. Everything else belongs to someone else.
bool isAgentOwnedTrait(const std::string& name, const traits::TraitsConfig& config);

// The provider's traits after a sync: what others set stays, the agent's own are
// exactly `derived`.
std::set<std::string> mergeTraits(const std::set<std::string>& current,
                                  const std::set<std::string>& derived,
                                  const traits::TraitsConfig& config);

// The compute node provider's UUID: common/uuid.h's providerUuidFor(host name).
using stratus::providerUuidFor;

}  // namespace stratus::compute
