// Parser for libvirt's node-device XML of a PCI device (virNodeDeviceGetXMLDesc of a
// device listed with VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV). Pure: captured and
// live documents go through the same code. The sysfs-only fields (iommu_unit,
// vfio_cdev) are left empty; kernel_pci_probe fills them.
#pragma once

#include <string>

#include "common/result.h"
#include "virt/pci_facts.h"

namespace stratus::virt {

// The SR-IOV relation follows libvirt's sub-capabilities of <capability type='pci'>:
// 'virt_functions' makes a type-PF (maxCount, one <address> per existing VF),
// 'phys_function' a type-VF (its PF's <address>), neither a type-PCI. A missing
// <numa> (sysfs numa_node -1) leaves numa_node empty. Errors are kInternal: libvirt
// gave something that is not a PCI node device.
Result<PciDeviceFacts> parsePciNodeDevice(const std::string& xml);

}  // namespace stratus::virt
