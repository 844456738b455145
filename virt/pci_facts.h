// A host's PCI devices as plain data: what libvirt's node-device API reports for each
// PCI device (address, ids, class, driver, NUMA node, IOMMU group, SR-IOV relation)
// plus what only sysfs tells (the IOMMU unit, the VFIO cdev). Part of HostFacts
// ("pci_devices"), so captured hosts carry them too.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus::virt {

// Nova's names for the three kinds (nova/objects/fields.py PciDeviceType).
enum class PciDevType { kPci, kPf, kVf };
std::string_view pciDevTypeName(PciDevType type);  // "type-PCI", "type-PF", "type-VF"

struct PciDeviceFacts {
  std::string address;     // "0000:01:10.0": domain:bus:slot.function, lower-case hex
  std::string vendor_id;   // 4 lower-case hex digits, no 0x
  std::string product_id;  // 4 lower-case hex digits
  std::string class_id;    // 6 lower-case hex digits ("020000")
  PciDevType dev_type = PciDevType::kPci;
  std::optional<std::string> parent_addr;  // a VF's PF
  std::optional<int> numa_node;            // absent: the firmware gives none (sysfs -1)
  std::optional<int> iommu_group;
  std::vector<std::string> iommu_group_members;  // addresses, this device included
  std::optional<std::string> driver;             // bound host driver, absent when unbound
  int vf_max = 0;                                // PFs: libvirt's maxCount (sriov_totalvfs)
  std::vector<std::string> vfs;                  // PFs: the VFs that exist now
  std::optional<std::string> iommu_unit;         // sysfs <dev>/iommu: "dmar0"
  std::optional<std::string> vfio_cdev;          // "/dev/vfio/devices/vfio3"
};

// Every key is always written; absent values are null.
nlohmann::json pciDevicesToJson(const std::vector<PciDeviceFacts>& devices);
// Strict like the rest of the facts: a wrong type or a malformed address or id is an
// error naming "pci_devices[i].<field>".
Result<std::vector<PciDeviceFacts>> pciDevicesFromJson(const nlohmann::json& list);

// "0000:01:10.0" from its four numbers; the form every PCI field here uses.
std::string pciAddress(unsigned domain, unsigned bus, unsigned slot, unsigned function);
// Whether `text` is a full lower-case address in that form.
bool isPciAddress(std::string_view text);

// Sorts by address and fills each PF's `vfs` from the VFs that name it (libvirt lists
// both sides, but a PF captured before its VFs were read may list none).
void linkSriovRelations(std::vector<PciDeviceFacts>& devices);

const PciDeviceFacts* findPciDevice(const std::vector<PciDeviceFacts>& devices,
                                    std::string_view address);

}  // namespace stratus::virt
