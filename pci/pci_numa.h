// PCI-NUMA affinity as a decision over plain data: given the policy, the NUMA node of
// each device a guest gets and the host's cells, where the guest's vCPUs and memory
// must (or should) live. The scheduler's host filter and the agent's spawn both call it,
// so the host that passed the filter is the host whose plan renders the same placement.
//
// Stratus guests are one NUMA node wide (no hw:numa_nodes), so "local to the device"
// means confined to the device's node. Rules (Nova's policy names, pci-numa-affinity):
// - a host with at most one NUMA cell: every device is local; nothing to confine.
// - required: every device's node is known and they are all one node; the guest is
//   confined there (vCPUs and memory, strict).
// - legacy (Nova's default): as required when the devices' nodes are known; a device
//   whose node is unknown does not constrain the guest.
// - socket: every device's node is known and on one socket (libvirt's socket_id); the
//   guest is confined to that socket's cells.
// - preferred: the devices' node when they agree, as a preference (numatune
//   mode='preferred', vCPUs not pinned); never refuses a host.
// A confined guest's memory must fit in its cells' memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "pci/pci_config.h"
#include "virt/host_facts.h"

namespace stratus::pci {

struct GuestNumaPlacement {
  bool strict = true;      // numatune mode='strict' (else 'preferred')
  std::vector<int> nodes;  // the numatune nodeset, sorted
  std::vector<int> cpus;   // the vCPU cpuset (the nodes' CPUs), sorted; empty when preferred
};

struct DeviceNode {
  std::string address;           // for messages
  std::optional<int> numa_node;  // absent: the host does not say
};

// nullopt: nothing to confine. FailedPrecondition naming the policy, where it came from
// (`policy_source`) and the devices when the host cannot honour it.
Result<std::optional<GuestNumaPlacement>> numaPlacementFor(NumaPolicy policy,
                                                           const std::string& policy_source,
                                                           const std::vector<DeviceNode>& devices,
                                                           std::uint64_t ram_mib,
                                                           const virt::HostFacts& host);

// "0-3,8": libvirt's cpuset/nodeset syntax.
std::string cpusetText(const std::vector<int>& ids);

}  // namespace stratus::pci
