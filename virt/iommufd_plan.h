// Whether a passed-through PCI device is handed to QEMU through iommufd
// (<hostdev><driver iommufd='yes'/>) or through the legacy VFIO container (issue 15). Pure:
// the decision takes HostFacts and the device's PciDeviceFacts.
//
// [pci] iommufd = auto | yes | no (default auto):
//   no    legacy container for every device; nothing new is rendered.
//   auto  iommufd for a guest's hostdevs when the host can (iommufdHostGaps is empty) and
//         every one of them has a VFIO cdev (deviceHasVfioCdev); legacy for all of them
//         otherwise. Legacy always works where iommufd would, so auto never renders what
//         the stack would refuse. All or none: QEMU 11.1 aborts a guest that has an iommufd
//         hostdev and a legacy one ("... is not an instance of type vfio-iommu-legacy",
//         ../shared/labs/vfio REFERENCE.md §6 case h).
//   yes   iommufd for every device; the agent refuses to start (exit 2) on a host with gaps.
//
// Domain-level <iommufd enabled='yes'/> is not rendered: libvirt 12.2+ accepts it but does
// not need it (per ../shared/labs/libvirt-12/REFERENCE.md §3.4 it adds no -object iommufd by
// itself; each iommufd hostdev makes libvirt open /dev/iommu), and libvirt < 12.2 refuses it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "virt/host_facts.h"
#include "virt/pci_facts.h"
#include "virt/version.h"

namespace stratus::virt {

enum class IommufdMode { kAuto, kYes, kNo };
std::string_view iommufdModeName(IommufdMode mode);  // "auto", "yes", "no"
// `key` names the setting in the error: "<key>='<text>' is invalid; allowed: auto, yes, no".
Result<IommufdMode> parseIommufdMode(std::string_view text, std::string_view key);

// <driver iommufd='yes'/> on a PCI hostdev: libvirt 12.1 (../shared/labs/libvirt-12/REFERENCE.md,
// version gates).
inline constexpr Version kLibvirtHostdevIommufd{12, 1, 0};

// What keeps `arch` guests on this host from iommufd hostdevs, one phrase each, in this
// order; empty when nothing does:
//   "libvirt <v> is older than 12.1.0"
//   "libvirt's domain capabilities for <arch> do not list hostdev iommufd 'yes'"
//   "/dev/iommu is missing (kernel without iommufd)"
//   "no VFIO device cdev under /dev/vfio/devices (kernel without VFIO_DEVICE_CDEV, or no
//    device bound to vfio-pci yet)"
// The last one uses IommuFacts::vfio_cdev: sysfs shows no cdev support before a device is
// bound, so a host proves it by having one bound (any device, not only the guest's).
std::vector<std::string> iommufdHostGaps(const HostFacts& host, std::string_view arch);

// Whether `device` can be opened through its VFIO cdev when the guest starts: it has one now
// (bound to vfio-pci: PciDeviceFacts::vfio_cdev), or it is managed (libvirt binds it to
// vfio-pci at start, and the cdev appears then) on a host whose kernel has VFIO cdevs
// (IommuFacts::vfio_cdev). An unmanaged device not yet bound has no cdev and will not get
// one from libvirt.
bool deviceHasVfioCdev(const HostFacts& host, const PciDeviceFacts& device, bool managed);

// Whether one hostdev could use iommufd under `mode`. `device` is null when the host facts
// do not list the address; auto then keeps the legacy container.
bool useIommufd(IommufdMode mode, const HostFacts& host, std::string_view arch,
                const PciDeviceFacts* device, bool managed);

// One hostdev of a guest, as the decision sees it.
struct IommufdHostdev {
  const PciDeviceFacts* device = nullptr;  // null: the host facts do not list the address
  bool managed = false;
};
// The decision for all of a guest's hostdevs at once (see the mode table above): yes, true;
// no, false; auto, true only when useIommufd holds for every one of them (false for none).
bool useIommufdForGuest(IommufdMode mode, const HostFacts& host, std::string_view arch,
                        const std::vector<IommufdHostdev>& hostdevs);

// Why one hostdev cannot be opened through its VFIO cdev at start, or "" when it can
// (deviceHasVfioCdev). Only an unmanaged device can fail here on a host without gaps:
// libvirt binds a managed one to vfio-pci itself, but leaves an unmanaged one where it is,
// and libvirt 12.9 takes <driver iommufd='yes'/> at define and fails only at start
// ("cannot open VFIO device /dev/vfio/devices/vfioN", ../shared/labs/vfio REFERENCE.md §2).
// The phrase names the device's current driver ("bound to igbvf" / "bound to no driver").
std::string vfioCdevGap(const HostFacts& host, const PciDeviceFacts& device, bool managed);

// For `yes`: InvalidArgument "[pci] iommufd='yes' is invalid: this host cannot use iommufd:
// <gaps joined by '; '>; allowed: auto, no", or ok.
Status validateIommufdMode(IommufdMode mode, const HostFacts& host, std::string_view arch);

}  // namespace stratus::virt
