// Which server owns which host PCI device, kept so that no device is ever given twice,
// also across agent restarts. Two sources, because either alone can be wrong after a
// crash: the record (a JSON file under the instances path, written before a guest is
// defined and after it is removed) and the defined guests themselves (the hostdev
// source addresses of each "stratus-<uuid>" guest). A device in a defined guest is
// owned by that guest's server whatever the record says.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "compute/pci_assign.h"

namespace stratus::compute {

// The record's file name under [compute] instances_path.
inline constexpr std::string_view kPciOwnershipFile = "pci_devices.json";

// {"devices": {"0000:01:10.0": "<server uuid>", ...}}. A missing file is an empty record;
// anything else unreadable is an error naming the file (the agent must not guess).
Result<DeviceOwners> loadOwnershipRecord(const std::string& path);
// Atomic: written to a temporary file beside it, fsynced, renamed over it, and the
// directory fsynced, so a crash leaves the old record or the new one.
Status saveOwnershipRecord(const std::string& path, const DeviceOwners& owners);

// The PCI addresses of a domain XML's <hostdev mode='subsystem' type='pci'> sources, in
// libvirt's form (<address domain='0x0000' bus='0x01' slot='0x10' function='0x0'/>),
// as "0000:01:10.0". Malformed XML or address: InvalidArgument naming the guest.
Result<std::vector<std::string>> hostdevAddresses(const std::string& guest,
                                                  const std::string& domain_xml);

// The record merged with the defined guests (server uuid -> domain XML): every device
// of a guest is its server's; record entries of other devices are kept (a spawn cut
// short between the record and the define, retried later, reuses them).
Result<DeviceOwners> rebuildOwnership(DeviceOwners record,
                                      const std::map<std::string, std::string>& guest_xml);

}  // namespace stratus::compute
