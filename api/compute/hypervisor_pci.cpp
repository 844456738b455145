#include "api/compute/hypervisor_pci.h"

#include <algorithm>

namespace stratus::api::compute {

using nlohmann::json;

namespace {

// "cn1_0000:01:00.0" -> "0000:01:00.0" (addresses hold no '_'; host names may).
std::string addressOfName(const std::string& name) {
  std::string a = name.substr(name.rfind('_') + 1);
  std::transform(a.begin(), a.end(), a.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return a;
}

// The reported PF of `address`, from the host facts' pci_devices ("" when none).
std::string parentOf(const json& host_facts, const std::string& address) {
  if (!host_facts.is_object() || !host_facts.contains("pci_devices")) return {};
  for (const json& d : host_facts["pci_devices"]) {
    if (d.is_object() && d.value("address", std::string()) == address) {
      const json parent = d.value("parent_addr", json());
      return parent.is_string() ? parent.get<std::string>() : std::string();
    }
  }
  return {};
}

}  // namespace

json pciProvidersView(std::vector<PciProviderState> providers,
                      const std::map<std::string, ServerRecord>& servers,
                      const std::map<std::string, std::string>& owners, const json& host_facts) {
  std::sort(providers.begin(), providers.end(),
            [](const PciProviderState& a, const PciProviderState& b) { return a.name < b.name; });
  json out = json::array();
  for (const auto& p : providers) {
    json resources = json::object();
    for (const auto& [rc, inv] : p.inventories) {
      auto used = p.usages.find(rc);
      resources[rc] = {{"total", inv.total},
                       {"reserved", inv.reserved},
                       {"used", used == p.usages.end() ? 0 : used->second}};
    }
    json holders = json::array();
    for (const auto& [id, s] : servers) {
      if (!s.allocations.is_object() || !s.allocations.contains(p.uuid)) continue;
      std::int64_t units = 0;
      const json& alloc = s.allocations[p.uuid];
      if (alloc.is_object() && alloc.contains("resources") && alloc["resources"].is_object()) {
        for (const auto& [rc, n] : alloc["resources"].items()) {
          if (n.is_number_integer()) units += n.get<std::int64_t>();
        }
      }
      holders.push_back({{"id", id}, {"name", s.name}, {"units", units}});
    }
    json devices = json::array();
    const std::string own = addressOfName(p.name);
    for (const auto& [address, server] : owners) {
      if (address == own || parentOf(host_facts, address) == own) {
        devices.push_back({{"address", address}, {"server_id", server}});
      }
    }
    out.push_back({{"name", p.name},
                   {"uuid", p.uuid},
                   {"resources", resources},
                   {"traits", p.traits},
                   {"servers", holders},
                   {"devices", devices}});
  }
  return out;
}

Result<std::vector<PciProviderState>> readPciProviders(placement_client::PlacementClient& placement,
                                                       const std::string& compute_node_uuid) {
  auto tree = placement.listProviders("in_tree=" + compute_node_uuid);
  if (!tree) return tree.takeError();
  std::vector<PciProviderState> out;
  for (const auto& p : *tree) {
    if (p.uuid == compute_node_uuid) continue;
    PciProviderState s{p.uuid, p.name, {}, {}, {}};
    auto inv = placement.getInventories(p.uuid);
    if (!inv) return inv.takeError();
    s.inventories = std::move(inv->inventories);
    auto usages = placement.getUsages(p.uuid);
    if (!usages) return usages.takeError();
    s.usages = std::move(*usages);
    auto traits = placement.getTraits(p.uuid);
    if (!traits) return traits.takeError();
    s.traits = std::move(traits->traits);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace stratus::api::compute
