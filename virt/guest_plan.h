// A parsed guest request planned onto one host: the arch and machine type checked
// against what the host runs, 'auto' resolved, the page size chosen, and the
// DomainDef built. Pure: the same request and facts always give the same plan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "virt/domain_def.h"
#include "virt/guest_request.h"
#include "virt/host_facts.h"
#include "virt/iommufd_plan.h"
#include "virt/virt_config.h"

namespace stratus::virt {

struct GuestPlan {
  ViommuModel requested = ViommuModel::kNone;
  ViommuModel resolved = ViommuModel::kNone;
  std::optional<std::uint64_t> page_kib;  // a huge page size, or none for small pages
  bool viommu_accel = false;              // hw:viommu_accel=true, already checked against the host
  std::string viommu_accel_key;           // which key asked for it, for errors
  DomainDef domain;
};

Result<GuestPlan> planGuest(const GuestRequest& request, const HostFacts& host,
                            const VirtConfig& config);

// The page size a request gets on this host, or the reason it gets none: an explicit
// size must exist with enough free pages on one NUMA cell for all the guest's RAM, of
// which it must divide the size; large takes the largest huge size that fits; any
// the same, else small pages.
Result<std::optional<std::uint64_t>> choosePageSize(const Sourced<PageSizeRequest>& request,
                                                    std::uint64_t ram_mib, const HostFacts& host);

// Host PCI devices a guest owns and where its vCPUs and memory must live, as the
// agent decided them (compute/pci_assign, pci::numaPlacementFor).
struct GuestPassthrough {
  std::vector<HostdevDef> hostdevs;
  std::optional<NumaTuneDef> numatune;
  std::string vcpu_cpuset;  // empty: the vCPUs float
  // [pci] iommufd; addPassthrough sets one value for all the hostdevs from it
  // (useIommufdForGuest, virt/iommufd_plan.h).
  IommufdMode iommufd = IommufdMode::kNo;
};

// From this libvirt on, QEMU's locked-memory limit is sized by libvirt for every VFIO
// device behind a vIOMMU (libvirt 8.7.0 qemuDomainGetMemLockLimitBytes, per issue 14);
// before it libvirt allows for one mapping of guest RAM only.
inline constexpr Version kLibvirtSizesVfioMemlock{8, 7, 0};

// The locked-memory rule: behind a vIOMMU each VFIO device maps all guest RAM on its
// own, so the guest needs devices x RAM + 1 GiB (the 1 GiB is libvirt's own allowance
// for QEMU's non-RAM mappings). Rendered only where libvirt does not size it itself
// (libvirt < 8.7.0), only with a vIOMMU (without one all devices share one mapping,
// which libvirt covers) and only with devices. KiB; nullopt: render no <memtune>.
//
// With iommufd (<driver iommufd='yes'/>, which needs libvirt >= 12.1) nothing is rendered
// either: libvirt >= 8.7 sizes the limit, and libvirt 12.9 still charges each device behind
// a vIOMMU, although iommufd itself pins guest RAM once per iommufd context (libvirt opens
// one /dev/iommu per guest and switches it to per-process accounting,
// IOMMU_OPTION_RLIMIT_MODE, src/util/viriommufd.c). So libvirt's limit is never below what
// iommufd needs. Measured in ../shared/labs/vfio (libvirt 12.9, QEMU 11.1, 256 MiB guest,
// /proc/PID/limits of QEMU in L1): intel vIOMMU with 1 iommufd VF 1342177280 bytes
// (RAM + 1 GiB), with 2 VFs 1610612736 (2 x RAM + 1 GiB), legacy VFIO the same; without a
// vIOMMU RAM + 1 GiB for 1 or 2 devices, either backend. libvirt 12.x's
// qemuDomainGetMemLockLimitBytes source could not be read here (the stored copies predate
// iommufd), so the rule rests on that measurement; tests/lab/vfio_iommufd_test.sh
// re-checks it and golden iommufd-yes-intel-memlock asserts no <memtune>.
std::optional<std::uint64_t> vfioMemlockHardLimitKib(std::size_t devices, bool viommu,
                                                     std::uint64_t memory_kib,
                                                     const Version& libvirt);

// virtio <granule mode='host'/>: the guest's vIOMMU page size follows the host's. It
// matters only for VFIO devices behind virtio-iommu, whose mappings the host IOMMU makes
// at its own granule (a 4 KiB guest granule on a 64 KiB-page host cannot be mapped);
// emulated devices keep QEMU's default, so guests without hostdevs render nothing.
// Needs libvirt >= 12.1 (kLibvirtIommuGranule) and the arch's QEMU >= 9.0.
bool virtioHostGranule(const DomainDef& domain, const HostFacts& host);

// Adds the devices and the NUMA placement to a planned guest and applies the
// locked-memory rule for `host`'s libvirt. A per-bus smmuv3 guest gets one vSMMU per
// host SMMU behind its devices (smmu_topology.h). Intel's caching_mode='on' (which VFIO behind
// an emulated Intel IOMMU needs) is already part of every intel plan.
void addPassthrough(GuestPlan& plan, const GuestPassthrough& passthrough, const HostFacts& host);

// With hw:viommu_accel, every device must sit behind a nesting host SMMU
// (smmu_topology.h checkSmmuAccelDevices) and the guest's hostdevs must use iommufd
// (useIommufdForGuest: not with [pci] iommufd = no, nor with a device that has no VFIO cdev
// at start); FailedPrecondition naming the key and the device. Call before addPassthrough.
// OK otherwise.
Status checkPassthroughAccel(const GuestPlan& plan, const GuestPassthrough& passthrough,
                             const HostFacts& host);

// With [pci] iommufd = yes every hostdev must have a VFIO cdev when the guest starts
// (vfioCdevGap, virt/iommufd_plan.h): an unmanaged device that is not bound to vfio-pci
// is FailedPrecondition with key "[pci] iommufd", value "yes" and the message
//   "[pci] iommufd='yes' cannot be met for device <address>: <gap>; bind it to vfio-pci
//    before the spawn, or set managed=yes in its [pci] device_spec"
// rather than a guest that libvirt defines and then fails to start. Auto never needs
// it (it keeps such a guest on the legacy container); no renders no iommufd. OK otherwise.
Status checkPassthroughIommufd(const GuestPassthrough& passthrough, const HostFacts& host);

// Every check above that a spawn makes before addPassthrough: checkPassthroughAccel, then
// checkPassthroughIommufd.
Status checkPassthrough(const GuestPlan& plan, const GuestPassthrough& passthrough,
                        const HostFacts& host);

// Convenience for the CLI and tests: parse then plan.
Result<GuestPlan> planGuest(const Flavor& flavor, const ImageProperties& image,
                            const HostFacts& host, const VirtConfig& config);

}  // namespace stratus::virt
