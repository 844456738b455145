#include "pci/pci_providers.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace stratus::pci {

using virt::PciDeviceFacts;
using virt::PciDevType;

namespace {

constexpr std::string_view kVfioDriver = "vfio-pci";

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// A device VFIO can share a group with without owning it: unbound, on vfio-pci or
// pci-stub, or a PCI bridge (class 0604xx), which the kernel lets stay on pcieport.
bool groupFriendly(const PciDeviceFacts& d) {
  return !d.driver || *d.driver == kVfioDriver || *d.driver == "pci-stub" ||
         d.class_id.starts_with("0604");
}

}  // namespace

std::string reservedReason(const PciDeviceFacts& device, const DeviceSpec& spec,
                           const std::vector<PciDeviceFacts>& devices) {
  // managed='no' tells libvirt to leave binding to the operator, so the device is
  // usable only once it is on vfio-pci; with managed='yes' libvirt detaches it from
  // its host driver when a guest starts, and listing it in device_spec releases it.
  if (!spec.managed && device.driver != std::optional<std::string>(std::string(kVfioDriver))) {
    return "managed is no and the device is " +
           (device.driver ? "on host driver " + *device.driver
                          : std::string("bound to no driver")) +
           ", not vfio-pci";
  }
  // VFIO takes a whole IOMMU group: another endpoint in it that stays on a host driver
  // keeps the device from being assigned, whatever managed says.
  for (const auto& member : device.iommu_group_members) {
    if (member == device.address) continue;
    const auto* other = virt::findPciDevice(devices, member);
    if (other != nullptr && !groupFriendly(*other)) {
      return "IOMMU group " + std::to_string(device.iommu_group.value_or(-1)) + " also holds " +
             other->address + " on host driver " + other->driver.value_or("");
    }
  }
  return {};
}

Result<std::vector<PciProvider>> planPciProviders(const std::string& host,
                                                  const std::vector<PciDeviceFacts>& devices,
                                                  const PciConfig& config) {
  STRATUS_RETURN_IF_ERROR(validateAgainstHost(config, devices));
  std::map<std::string, PciProvider> by_address;  // keyed by the PF or device address
  for (const auto& d : devices) {
    const DeviceSpec* spec = config.specFor(d);
    if (spec == nullptr) continue;
    // A VF is counted by its PF's provider; the PF's ids do not matter, the VF's do.
    const std::string& owner =
        d.dev_type == PciDevType::kVf && d.parent_addr ? *d.parent_addr : d.address;
    PciProvider& p = by_address[owner];
    if (p.name.empty()) {
      p.name = host + "_" + upper(owner);
      p.parent = host;
      p.address = owner;
      p.resource_class =
          spec->resource_class.value_or(defaultResourceClass(d.vendor_id, d.product_id));
      p.traits.emplace_back(kManagedPciTrait);
      for (const auto& t : spec->traits) {
        if (std::find(p.traits.begin(), p.traits.end(), t) == p.traits.end()) p.traits.push_back(t);
      }
      std::sort(p.traits.begin(), p.traits.end());
    }
    ++p.total;
    if (!reservedReason(d, *spec, devices).empty()) ++p.reserved;
    p.devices.push_back(d.address);
  }
  std::vector<PciProvider> out;
  for (auto& [address, p] : by_address) {
    std::sort(p.devices.begin(), p.devices.end());
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(),
            [](const PciProvider& a, const PciProvider& b) { return a.name < b.name; });
  return out;
}

nlohmann::json pciProvidersToJson(const std::vector<PciProvider>& providers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : providers) {
    out.push_back({{"name", p.name},
                   {"parent", p.parent},
                   {"resource_class", p.resource_class},
                   {"total", p.total},
                   {"reserved", p.reserved},
                   {"traits", p.traits},
                   {"devices", p.devices}});
  }
  return out;
}

const PciProvider* providerCounting(const std::vector<PciProvider>& providers,
                                    std::string_view address) {
  for (const auto& p : providers) {
    if (std::find(p.devices.begin(), p.devices.end(), address) != p.devices.end()) return &p;
  }
  return nullptr;
}

}  // namespace stratus::pci
