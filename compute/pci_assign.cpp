#include "compute/pci_assign.h"

#include <algorithm>

#include "common/uuid.h"
#include "pci/pci_providers.h"

namespace stratus::compute {
namespace {

Result<std::int64_t> allocatedCount(const nlohmann::json& allocation, const std::string& uuid,
                                    const pci::PciProvider& provider) {
  const std::string key = "allocations[" + uuid + "]";
  if (!allocation.is_object() || !allocation.contains("resources") ||
      !allocation["resources"].is_object()) {
    return Error::invalid(key, allocation.dump(), "an object with a \"resources\" object");
  }
  std::int64_t count = 0;
  for (const auto& [rc, n] : allocation["resources"].items()) {
    if (!n.is_number_integer() || n.get<std::int64_t>() < 0) {
      return Error::invalid(key + ".resources." + rc, n.dump(), "an integer >= 0");
    }
    if (rc != provider.resource_class) {
      return Error::precondition(key, rc,
                                 "the allocation against PCI provider " + provider.name +
                                     " asks for " + rc + ", but the provider counts " +
                                     provider.resource_class);
    }
    count += n.get<std::int64_t>();
  }
  return count;
}

std::string ownersText(const std::vector<std::string>& devices, const DeviceOwners& owners,
                       const std::vector<std::string>& reserved) {
  std::string out;
  for (const auto& d : devices) {
    std::string who;
    if (auto it = owners.find(d); it != owners.end()) who = "server " + it->second;
    for (const auto& r : reserved) {
      if (r == d) who = "in use outside Stratus";
    }
    if (who.empty()) continue;
    out += (out.empty() ? "" : ", ") + d + " (" + who + ")";
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Result<std::vector<AssignedDevice>> assignPciDevices(
    const nlohmann::json& allocations, const std::string& host, const virt::HostFacts& facts,
    const pci::PciConfig& config, const std::string& server_id, const DeviceOwners& owners) {
  if (!allocations.is_object()) {
    return Error::invalid("allocations", allocations.dump(),
                          "an object of provider uuid -> {\"resources\": {...}}");
  }
  std::vector<AssignedDevice> out;
  // A guest that draws only from the compute node needs no device plan (and must boot
  // even where [pci] does not fit this host's devices).
  const std::string node = providerUuidFor(host);
  bool any_other = false;
  for (const auto& [uuid, allocation] : allocations.items()) any_other |= uuid != node;
  if (!any_other) return out;
  auto providers = pci::planPciProviders(host, facts.pci_devices, config);
  if (!providers) return providers.takeError();
  // A provider this host does not publish (the agent's [pci] changed since the claim,
  // or the claim is another host's) would boot the guest without the device it paid for.
  for (const auto& [uuid, allocation] : allocations.items()) {
    if (uuid == node) continue;
    const bool known = std::any_of(providers->begin(), providers->end(),
                                   [&](const auto& p) { return providerUuidFor(p.name) == uuid; });
    if (!known) {
      return Error::precondition(
          "allocations", uuid,
          "provider " + uuid + " is neither " + host + "'s compute node nor one of the " +
              std::to_string(providers->size()) + " PCI providers its [pci] device_spec makes");
    }
  }
  for (const auto& provider : *providers) {
    const std::string uuid = providerUuidFor(provider.name);
    auto it = allocations.find(uuid);
    if (it == allocations.end()) continue;
    auto wanted = allocatedCount(*it, uuid, provider);
    if (!wanted) return wanted.takeError();

    std::vector<std::string> mine, free, reserved;
    for (const auto& address : provider.devices) {
      const auto* device = virt::findPciDevice(facts.pci_devices, address);
      const auto* spec = device ? config.specFor(*device) : nullptr;
      if (device == nullptr || spec == nullptr) continue;
      auto owner = owners.find(address);
      if (owner != owners.end()) {
        if (owner->second == server_id) mine.push_back(address);
        continue;
      }
      if (!pci::reservedReason(*device, *spec, facts.pci_devices).empty()) {
        reserved.push_back(address);
        continue;
      }
      free.push_back(address);
    }
    std::vector<std::string> chosen = mine;
    chosen.insert(chosen.end(), free.begin(), free.end());
    if (static_cast<std::int64_t>(chosen.size()) < *wanted) {
      return Error::precondition(
          "allocations", uuid,
          "PCI provider " + provider.name + " (" + uuid + ") has " + std::to_string(free.size()) +
              " free of " + std::to_string(provider.devices.size()) + " " +
              provider.resource_class + " device(s), and server " + server_id + " needs " +
              std::to_string(*wanted) +
              (mine.empty() ? "" : " (it owns " + std::to_string(mine.size()) + ")") +
              "; taken: " + ownersText(provider.devices, owners, reserved));
    }
    chosen.resize(static_cast<std::size_t>(*wanted));
    // Lowest address first, whether reused or newly taken.
    std::sort(chosen.begin(), chosen.end());
    for (const auto& address : chosen) {
      const auto* device = virt::findPciDevice(facts.pci_devices, address);
      out.push_back({address, provider.name, config.specFor(*device)->managed, device->numa_node});
    }
  }
  return out;
}

}  // namespace stratus::compute
