#include "compute/spawner.h"

#include <filesystem>

#include "common/log.h"
#include "compute/pci_ownership.h"
#include "pci/pci_numa.h"
#include "pci/pci_request.h"

namespace stratus::compute {

Result<ChosenNumaPolicy> numaPolicyForSpawn(const virt::Flavor& flavor,
                                            const virt::ImageProperties& image,
                                            const pci::PciConfig& config) {
  auto requests = pci::pciRequestsFrom(flavor.extra_specs, image, config);
  if (requests && !requests->empty()) {
    const pci::NumaPolicy strictest = requests->strictestPolicy();
    for (const auto& r : requests->requests) {
      if (r.numa_policy == strictest) return ChosenNumaPolicy{strictest, r.numa_policy_source};
    }
  }
  for (const auto& [map, key] : {std::pair{&flavor.extra_specs, pci::kFlavorPciNumaPolicy},
                                 std::pair{&image, pci::kImagePciNumaPolicy}}) {
    auto it = map->find(std::string(key));
    if (it == map->end()) continue;
    auto policy = pci::parseNumaPolicy(it->second, key);
    if (!policy) return policy.takeError();
    return ChosenNumaPolicy{*policy, std::string(key)};
  }
  return ChosenNumaPolicy{pci::NumaPolicy::kLegacy, "the default (legacy)"};
}

Result<virt::GuestPassthrough> passthroughFor(const std::vector<AssignedDevice>& devices,
                                              const virt::Flavor& flavor,
                                              const virt::ImageProperties& image,
                                              const pci::PciConfig& config,
                                              const virt::HostFacts& host) {
  virt::GuestPassthrough out;
  if (devices.empty()) return out;
  out.iommufd = config.iommufd;
  std::vector<pci::DeviceNode> nodes;
  for (const auto& d : devices) {
    out.hostdevs.push_back({d.address, d.managed});
    nodes.push_back({d.address, d.numa_node});
  }
  auto policy = numaPolicyForSpawn(flavor, image, config);
  if (!policy) return policy.takeError();
  auto placement =
      pci::numaPlacementFor(policy->policy, policy->source, nodes, flavor.ram_mib, host);
  if (!placement) return placement.takeError();
  if (*placement) {
    const auto& p = **placement;
    out.numatune = virt::NumaTuneDef{p.strict, pci::cpusetText(p.nodes)};
    if (p.strict && !p.cpus.empty()) out.vcpu_cpuset = pci::cpusetText(p.cpus);
  }
  return out;
}

Spawner::Spawner(const AgentConfig& config, GuestDriver& guests)
    : host_(config.host),
      pci_(config.pci),
      guests_(guests),
      record_path_((std::filesystem::path(config.instances_path) / std::string(kPciOwnershipFile))
                       .string()) {}

Status Spawner::loadLocked() {
  if (loaded_) return okStatus();
  auto record = loadOwnershipRecord(record_path_);
  if (!record) return record.takeError();
  auto names = guests_.managedGuests();
  if (!names) return names.takeError();
  std::map<std::string, std::string> xml;
  for (const auto& name : *names) {
    if (!isManagedGuestName(name)) continue;
    auto text = guests_.guestXml(name);
    if (!text) {
      if (text.error().code == ErrorCode::kNotFound) continue;  // removed meanwhile
      return text.takeError();
    }
    xml[name.substr(kManagedGuestPrefix.size())] = std::move(*text);
  }
  auto rebuilt = rebuildOwnership(*record, xml);
  if (!rebuilt) return rebuilt.takeError();
  if (*rebuilt != *record) {
    logLine("PCI ownership: " + std::to_string(rebuilt->size() - record->size()) +
            " device(s) found in defined guests but not in " + record_path_ + "; recorded now");
    STRATUS_RETURN_IF_ERROR(saveOwnershipRecord(record_path_, *rebuilt));
  }
  owners_ = std::move(*rebuilt);
  loaded_ = true;
  return okStatus();
}

Status Spawner::saveLocked(const DeviceOwners& next) {
  if (next == owners_) return okStatus();
  STRATUS_RETURN_IF_ERROR(saveOwnershipRecord(record_path_, next));
  owners_ = next;
  return okStatus();
}

Status Spawner::releaseLocked(const std::string& server_id) {
  DeviceOwners next = owners_;
  std::erase_if(next, [&](const auto& entry) { return entry.second == server_id; });
  return saveLocked(next);
}

Result<virt::ViommuModel> Spawner::spawn(const AgentTask& task, const virt::HostFacts& facts) {
  std::lock_guard lock(mu_);
  STRATUS_RETURN_IF_ERROR(loadLocked());
  auto assigned = assignPciDevices(task.allocations, host_, facts, pci_, task.server_id, owners_);
  if (!assigned) return assigned.takeError();
  auto passthrough = passthroughFor(*assigned, task.flavor, task.image, pci_, facts);
  if (!passthrough) return passthrough.takeError();
  // Recorded before the guest exists: a crash in between leaves the devices owned by a
  // server whose retried spawn reuses them, never a guest holding unrecorded devices.
  DeviceOwners next = owners_;
  for (const auto& d : *assigned) next[d.address] = task.server_id;
  STRATUS_RETURN_IF_ERROR(saveLocked(next));
  // The PCI-NUMA keys are spent here (numaPolicyForSpawn checked them); virt's guest
  // request parser, which knows only its own hw: keys, does not see them.
  virt::Flavor flavor = task.flavor;
  flavor.extra_specs.erase(std::string(pci::kFlavorPciNumaPolicy));
  virt::ImageProperties image = task.image;
  image.erase(std::string(pci::kImagePciNumaPolicy));
  auto model = guests_.spawn(flavor, image, facts, *passthrough);
  // A refused guest leaves nothing defined (LibvirtGuests::defineAndStart), so its devices
  // are free again; when libvirt is unreachable the guest may exist, and the retry reuses.
  if (!model && model.error().code != ErrorCode::kUnavailable) {
    if (auto s = releaseLocked(task.server_id); !s) {
      logLine("server " + task.server_id +
              ": freeing its PCI devices failed: " + s.error().message);
    }
  }
  return model;
}

Status Spawner::destroy(const std::string& server_id, const std::string& instance_name) {
  std::lock_guard lock(mu_);
  STRATUS_RETURN_IF_ERROR(loadLocked());
  STRATUS_RETURN_IF_ERROR(guests_.destroy(instance_name));
  return releaseLocked(server_id);
}

Status Spawner::releaseUnplaced(const std::set<std::string>& placed) {
  std::lock_guard lock(mu_);
  STRATUS_RETURN_IF_ERROR(loadLocked());
  auto names = guests_.managedGuests();
  if (!names) return names.takeError();
  DeviceOwners next = owners_;
  std::erase_if(next, [&](const auto& entry) {
    return !placed.contains(entry.second) &&
           !names->contains(std::string(kManagedGuestPrefix) + entry.second);
  });
  return saveLocked(next);
}

Result<DeviceOwners> Spawner::owners() {
  std::lock_guard lock(mu_);
  STRATUS_RETURN_IF_ERROR(loadLocked());
  return owners_;
}

}  // namespace stratus::compute
