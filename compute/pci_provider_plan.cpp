#include "compute/pci_provider_plan.h"

#include <cctype>

#include "common/uuid.h"
#include "pci/pci_providers.h"

namespace stratus::compute {

Result<std::vector<DesiredPciProvider>> desiredPciProviders(
    const std::string& host, const std::vector<virt::PciDeviceFacts>& devices,
    const pci::PciConfig& config) {
  auto plan = pci::planPciProviders(host, devices, config);
  if (!plan) return plan.takeError();
  std::vector<DesiredPciProvider> out;
  out.reserve(plan->size());
  for (const pci::PciProvider& p : *plan) {
    DesiredPciProvider d;
    d.name = p.name;
    d.uuid = providerUuidFor(p.name);
    d.address = p.address;
    placement_client::Inventory inv;
    inv.total = p.total;
    inv.reserved = p.reserved;
    inv.min_unit = 1;
    inv.max_unit = p.total;
    inv.step_size = 1;
    inv.allocation_ratio = 1.0;  // a device is never shared
    d.inventories[p.resource_class] = inv;
    d.owned_classes.insert(p.resource_class);
    d.traits.insert(p.traits.begin(), p.traits.end());
    out.push_back(std::move(d));
  }
  return out;
}

std::string pciAddressOfProviderName(const std::string& host, const std::string& name) {
  const std::string prefix = host + "_";
  if (name.rfind(prefix, 0) != 0) return name;
  std::string address = name.substr(prefix.size());
  for (char& c : address) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return address;
}

}  // namespace stratus::compute
