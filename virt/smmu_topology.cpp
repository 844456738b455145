#include "virt/smmu_topology.h"

#include <algorithm>

#include "virt/iommufd_plan.h"

namespace stratus::virt {
namespace {

bool unitNests(const HostFacts& host, const std::string& unit) {
  const auto* caps = host.iommu.unitCaps(unit);
  return caps != nullptr && caps->driver == "arm-smmu-v3" && caps->nesting.value_or(false);
}

}  // namespace

bool perBusSmmuv3(const HostFacts& host, std::string_view arch) {
  if (arch != "aarch64") return false;
  const auto* guest = host.guest(arch);
  return guest != nullptr && guest->uefi && host.libvirt_version >= kLibvirtPerBusSmmu &&
         host.qemuVersionFor(arch) >= kQemuPerBusSmmu;
}

std::string smmuAccelUnavailable(const HostFacts& host) {
  const std::string h = "host " + host.hostname;
  if (host.virt_type != VirtType::kKvm) {
    return h + " runs guests under " + std::string(virtTypeName(host.virt_type)) +
           "; accel='on' needs KVM";
  }
  if (!host.runsArch("aarch64")) return h + " does not run aarch64 guests under KVM";
  if (!perBusSmmuv3(host, "aarch64")) {
    return h + " has no per-bus smmuv3 (needs libvirt >= " + kLibvirtPerBusSmmu.str() +
           ", QEMU >= " + kQemuPerBusSmmu.str() + " and aarch64 UEFI; it has libvirt " +
           host.libvirt_version.str() + ", QEMU " + host.qemuVersionFor("aarch64").str() + ")";
  }
  const bool nesting =
      std::any_of(host.iommu.unit_caps.begin(), host.iommu.unit_caps.end(),
                  [&](const IommuUnitFacts& u) { return unitNests(host, u.name); });
  if (!nesting) return h + " has no arm-smmu-v3 unit whose capabilities say nesting";
  // Nested SMMUv3 needs iommufd-backed hostdevs (virt/iommufd_plan.h).
  if (auto gaps = iommufdHostGaps(host, "aarch64"); !gaps.empty()) {
    std::string why;
    for (const auto& g : gaps) why += (why.empty() ? "" : "; ") + g;
    return h + " has no iommufd-backed hostdevs: " + why;
  }
  return {};
}

std::vector<SmmuGroup> groupBySmmu(const std::vector<HostdevDef>& hostdevs,
                                   const std::vector<PciDeviceFacts>& facts) {
  std::vector<SmmuGroup> groups;
  SmmuGroup unknown;
  for (std::size_t i = 0; i < hostdevs.size(); ++i) {
    const auto* dev = findPciDevice(facts, hostdevs[i].address);
    if (dev == nullptr || !dev->iommu_unit || dev->iommu_unit->empty()) {
      unknown.devices.push_back(i);
      continue;
    }
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const SmmuGroup& g) { return g.unit == *dev->iommu_unit; });
    if (it == groups.end()) {
      groups.push_back({*dev->iommu_unit, {i}});
    } else {
      it->devices.push_back(i);
    }
  }
  if (!unknown.devices.empty()) groups.push_back(std::move(unknown));
  return groups;
}

void applySmmuTopology(DomainDef& d, const HostFacts& host, bool accel) {
  d.iommu.reset();
  d.bus_iommus.clear();
  d.controllers.clear();
  if (d.hostdevs.empty()) {
    IommuDef root;
    root.model = ViommuModel::kSmmuv3;
    root.pci_bus = 0;
    d.bus_iommus.push_back(root);
    return;
  }
  const auto groups = groupBySmmu(d.hostdevs, host.pci_devices);
  const auto expanders = static_cast<unsigned>(groups.size());
  unsigned next_port = expanders + 1;
  unsigned limit = kTopExpanderBusNr + 4;  // one past the highest bus the next block may use
  for (unsigned g = 0; g < expanders; ++g) {
    const auto& group = groups[g];
    const unsigned index = g + 1;
    // The expander's root bus plus one bus per root port, in whole blocks of 4.
    const auto needed = static_cast<unsigned>(group.devices.size()) + 1;
    limit -= (needed + 3) / 4 * 4;
    d.controllers.push_back({PciControllerDef::Model::kPcieExpanderBus, index, limit, {}});
    for (std::size_t k = 0; k < group.devices.size(); ++k) {
      const unsigned port = next_port++;
      d.controllers.push_back({PciControllerDef::Model::kPcieRootPort, port, std::nullopt,
                               GuestPciAddress{0, index, static_cast<unsigned>(k), 0}});
      d.hostdevs[group.devices[k]].guest_address = GuestPciAddress{0, port, 0, 0};
    }
    IommuDef smmu;
    smmu.model = ViommuModel::kSmmuv3;
    smmu.pci_bus = index;
    if (accel && unitNests(host, group.unit)) {
      smmu.accel = Tristate::kOn;
      smmuAccelFeatures(smmu, *host.iommu.unitCaps(group.unit));
    }
    d.bus_iommus.push_back(smmu);
  }
}

void smmuAccelFeatures(IommuDef& smmu, const IommuUnitFacts& unit) {
  if (unit.ats.value_or(false)) smmu.ats = Tristate::kOn;
  if (unit.ril) smmu.ril = *unit.ril ? Tristate::kOn : Tristate::kOff;
  if (unit.ssid_bits.value_or(0) > 0) smmu.ssidsize = std::min(*unit.ssid_bits, 20U);
  if (unit.oas_bits && *unit.oas_bits >= 48) {
    smmu.oas = 48;
  } else if (unit.oas_bits && *unit.oas_bits >= 44) {
    smmu.oas = 44;
  }
}

Status checkSmmuAccelDevices(const std::vector<HostdevDef>& hostdevs, const HostFacts& host,
                             std::string_view key) {
  for (const auto& h : hostdevs) {
    const auto* dev = findPciDevice(host.pci_devices, h.address);
    const bool known = dev != nullptr && dev->iommu_unit && !dev->iommu_unit->empty();
    if (known && unitNests(host, *dev->iommu_unit)) continue;
    const std::string why =
        known ? "the host SMMU " + *dev->iommu_unit + " it sits behind does not say nesting"
              : "host " + host.hostname + " does not know which SMMU it sits behind";
    return Error::precondition(
        std::string(key), "true",
        std::string(key) + "='true' cannot be met for device " + h.address + ": " + why);
  }
  return okStatus();
}

void addSmmuAccelTrait(const HostFacts& host, std::set<std::string>& traits) {
  if (smmuAccelUnavailable(host).empty()) traits.insert(std::string(kSmmuv3AccelTrait));
}

}  // namespace stratus::virt
