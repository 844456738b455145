// The PCI device providers under a hypervisor's compute node, as `openstack hypervisor
// show` carries them (issue 14's operator surface): each child provider the agent
// publishes for a PF or whole device, its inventory, usage and traits as placement holds
// them, and the servers whose allocations draw on it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/model.h"
#include "common/result.h"
#include "placement_client/client.h"

namespace stratus::api::compute {

// One child provider of the compute node, as read from placement.
struct PciProviderState {
  std::string uuid;
  std::string name;  // "<host>_<ADDRESS>" (pci::planPciProviders)
  placement_client::Inventories inventories;
  std::map<std::string, std::int64_t> usages;  // class -> used
  std::set<std::string> traits;
};

// [{"name", "uuid", "resources": {RC: {"total", "reserved", "used"}}, "traits": [...],
//   "servers": [{"id", "name", "units"}], "devices": [{"address", "server_id"}]}], in
// provider name order; a server holds a provider when its stored allocation
// (ServerRecord::allocations) names it, units being what it draws from there.
// "devices" lists the owned devices the provider counts: its own address (the part of
// its name after the last '_') or, for a PF's provider, the VFs whose parent_addr it is,
// as the agent's ownership record (`owners`, address -> server) says. Pure.
nlohmann::json pciProvidersView(std::vector<PciProviderState> providers,
                                const std::map<std::string, ServerRecord>& servers,
                                const std::map<std::string, std::string>& owners = {},
                                const nlohmann::json& host_facts = nlohmann::json());

// The compute node's children from placement (GET /resource_providers?in_tree=), with
// inventories, usages and traits. Errors: placement's (Unavailable when it cannot be asked).
Result<std::vector<PciProviderState>> readPciProviders(placement_client::PlacementClient& placement,
                                                       const std::string& compute_node_uuid);

}  // namespace stratus::api::compute
