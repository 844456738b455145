// Probes a host's PCI devices through libvirt's node-device API, then sysfs.
#pragma once

#include <filesystem>
#include <vector>

#include "common/result.h"
#include "virt/libvirt_connection.h"
#include "virt/pci_facts.h"

namespace stratus::virt {

// Every device virConnectListAllNodeDevices lists with
// VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV, parsed from virNodeDeviceGetXMLDesc,
// with the sysfs facts under `kernel_root` added; sorted by address. A PF's `vfs`
// also gains every listed VF that names it (libvirt lists both sides, but a capture
// may have one only). A device that vanishes between the list and its XML is left out.
Result<std::vector<PciDeviceFacts>> probePciDevices(const LibvirtConnection& conn,
                                                    const std::filesystem::path& kernel_root);

}  // namespace stratus::virt
