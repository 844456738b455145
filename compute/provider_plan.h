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
  // The agent's VCPU, MEMORY_MB and DISK_GB, plus what provider config files add.
  placement_client::Inventories inventories;
  // The traits virt/ derives (isAgentOwnedTrait), plus what provider config files add.
  std::set<std::string> traits;
  // Classes the agent takes off the provider when they are not in `inventories`: its
  // own three (kComputeNodeClasses) and those the config files published before.
  // Every other class on the provider is someone else's and stays.
  std::set<std::string> owned_classes;
  // Traits taken off when not in `traits`, besides isAgentOwnedTrait's: those the
  // config files published before.
  std::set<std::string> owned_traits;
};

// The classes the agent reports on its compute node provider, Nova's libvirt driver's.
inline const std::set<std::string> kComputeNodeClasses = {"VCPU", "MEMORY_MB", "DISK_GB"};

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

// The provider's traits after a sync: what others set stays, the agent's own
// (isAgentOwnedTrait, and `also_owned`) are exactly those in `wanted`.
std::set<std::string> mergeTraits(const std::set<std::string>& current,
                                  const std::set<std::string>& wanted,
                                  const traits::TraitsConfig& config,
                                  const std::set<std::string>& also_owned = {});

// The provider's inventories after a sync, as PUT whole to placement: every class in
// `current` that is not `owned` stays as it is (an operator's `openstack resource
// provider inventory set --amend`), owned classes not in `wanted` go, and `wanted`
// is written over the rest.
placement_client::Inventories mergeInventories(const placement_client::Inventories& current,
                                               const placement_client::Inventories& wanted,
                                               const std::set<std::string>& owned);

// The compute node provider's UUID: common/uuid.h's providerUuidFor(host name).
using stratus::providerUuidFor;

}  // namespace stratus::compute
