#include "compute/provider_plan.h"

#include "virt/host_traits.h"
#include "virt/iommufd_traits.h"

namespace stratus::compute {

Result<placement_client::Inventories> desiredInventories(const virt::HostFacts& host,
                                                         std::uint64_t disk_gb,
                                                         const ResourceConfig& config) {
  placement_client::Inventories out;
  const auto add = [&](const std::string& rc, std::int64_t total, std::int64_t reserved,
                       double ratio, const char* reserved_key) -> Status {
    if (total <= 0) return okStatus();
    if (reserved > total) {
      return Error::precondition(std::string("[compute] ") + reserved_key, std::to_string(reserved),
                                 std::string("[compute] ") + reserved_key + "=" +
                                     std::to_string(reserved) + " is more than the host's " + rc +
                                     " total of " + std::to_string(total));
    }
    placement_client::Inventory inv;
    inv.total = total;
    inv.reserved = reserved;
    inv.min_unit = 1;
    inv.max_unit = total;
    inv.step_size = 1;
    inv.allocation_ratio = ratio;
    out[rc] = inv;
    return okStatus();
  };
  STRATUS_RETURN_IF_ERROR(add("VCPU", host.cpuCount(), config.reserved_host_cpus,
                              config.cpu_allocation_ratio, "reserved_host_cpus"));
  STRATUS_RETURN_IF_ERROR(add("MEMORY_MB", static_cast<std::int64_t>(host.memoryKib() / 1024),
                              config.reserved_host_memory_mb, config.ram_allocation_ratio,
                              "reserved_host_memory_mb"));
  // Reserved disk is set in MiB but counted in whole GiB, rounded up so the host
  // never gives away what it kept.
  const std::int64_t reserved_disk_gb = (config.reserved_host_disk_mb + 1023) / 1024;
  STRATUS_RETURN_IF_ERROR(add("DISK_GB", static_cast<std::int64_t>(disk_gb), reserved_disk_gb,
                              config.disk_allocation_ratio, "reserved_host_disk_mb"));
  return out;
}

Result<DesiredProvider> desiredProvider(const std::string& name, const virt::HostFacts& host,
                                        std::uint64_t disk_gb, const AgentConfig& config) {
  auto inventories = desiredInventories(host, disk_gb, config.resources);
  if (!inventories) return inventories.takeError();
  return DesiredProvider{name,
                         std::move(*inventories),
                         virt::hostTraits(host, config.traits),
                         kComputeNodeClasses,
                         {}};
}

bool isAgentOwnedTrait(const std::string& name, const traits::TraitsConfig& config) {
  return config.isViommuTrait(name) || name.rfind("HW_ARCH_", 0) == 0 ||
         name.rfind("CUSTOM_MEM_PAGE_SIZE_", 0) == 0 || virt::isIommufdTrait(name);
}

std::set<std::string> mergeTraits(const std::set<std::string>& current,
                                  const std::set<std::string>& wanted,
                                  const traits::TraitsConfig& config,
                                  const std::set<std::string>& also_owned) {
  std::set<std::string> out;
  for (const auto& t : current) {
    if (!isAgentOwnedTrait(t, config) && !also_owned.contains(t)) out.insert(t);
  }
  out.insert(wanted.begin(), wanted.end());
  return out;
}

placement_client::Inventories mergeInventories(const placement_client::Inventories& current,
                                               const placement_client::Inventories& wanted,
                                               const std::set<std::string>& owned) {
  placement_client::Inventories out;
  for (const auto& [rc, inv] : current) {
    if (!owned.contains(rc)) out[rc] = inv;
  }
  for (const auto& [rc, inv] : wanted) out[rc] = inv;
  return out;
}

}  // namespace stratus::compute
