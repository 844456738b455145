// Parsers for libvirt's capabilities and domain capabilities XML. Pure: they take
// the XML text, so captured documents and live ones go through the same code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "virt/host_facts.h"

namespace stratus::virt {

struct CapabilitiesInfo {
  std::string host_arch;
  std::vector<NumaCellFacts> cells;  // page "free" counts are left 0: not in this XML
  // hvm guests merged per arch; uefi left false; qemu_version from the machine types.
  std::vector<GuestArchFacts> guests;
};

Result<CapabilitiesInfo> parseCapabilities(const std::string& xml);

// Whether the domain capabilities offer UEFI firmware: a firmware enum with 'efi',
// or a loader with at least one firmware image.
Result<bool> domainCapsOfferUefi(const std::string& xml);

// The emulator's version as its newest versioned machine type names it: QEMU names those
// after its release (pc-q35-11.1, pc-i440fx-11.1, virt-11.1 -> 11.1.0; the micro release is
// not in the name). Only these families count; nullopt when none of them is listed.
std::optional<Version> qemuVersionFromMachines(const std::vector<std::string>& machines);

// Domain capabilities' <vcpu max='N'/>; nullopt when absent.
Result<std::optional<unsigned>> domainCapsVcpuMax(const std::string& xml);

// Domain capabilities' <devices><hostdev> enums pciBackend and iommufd, each the list of
// its <value>s in document order: an enum present with no values gives an empty list (libvirt
// 9.0 to 12.x list <enum name='pciBackend'/> empty), an enum libvirt does not report at all
// gives nullopt (iommufd appears with libvirt 12.1). Source: libvirt's domain capabilities
// format (formatdomaincaps), checked against the captures in ../shared/labs/libvirt-12/captured.
struct DomainCapsHostdev {
  std::optional<std::vector<std::string>> pci_backends;
  std::optional<std::vector<std::string>> iommufd;
};
Result<DomainCapsHostdev> parseDomainCapsHostdev(const std::string& xml);

}  // namespace stratus::virt
