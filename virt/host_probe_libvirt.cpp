#include "virt/host_probe_libvirt.h"

#include <cstdlib>
#include <memory>

#include "virt/capabilities_parse.h"
#include "virt/host_probe_pci_libvirt.h"
#include "virt/kernel_iommu_probe.h"

namespace stratus::virt {
namespace {

struct CFree {
  void operator()(char* p) const { std::free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
};
using CString = std::unique_ptr<char, CFree>;

// The machine type whose domain capabilities tell whether UEFI exists for `arch`.
const char* uefiProbeMachine(const std::string& arch) {
  if (arch == "x86_64") return "q35";
  if (arch == "aarch64") return "virt";
  return nullptr;
}

// Free counts per page size per cell; capabilities only give the totals.
void fillFreePages(virConnectPtr conn, std::vector<NumaCellFacts>& cells) {
  for (auto& cell : cells) {
    if (cell.pages.empty()) continue;
    std::vector<unsigned int> sizes;
    for (const auto& p : cell.pages) sizes.push_back(static_cast<unsigned int>(p.size_kib));
    std::vector<unsigned long long> counts(sizes.size());
    int n = virNodeGetFreePages(conn, static_cast<unsigned int>(sizes.size()), sizes.data(),
                                cell.id, 1, counts.data(), 0);
    if (n < 0) continue;  // Leaves free at 0: nothing is promised that was not seen.
    for (std::size_t i = 0; i < cell.pages.size(); ++i) cell.pages[i].free = counts[i];
  }
}

// vcpu_max per arch from the domain capabilities of its probe machine under the virt
// type guests of that arch will run with (q35 allows 1024 vCPUs under kvm, 4096 under
// TCG on libvirt 12.9). qemu_version is already derived from the machine types.
Status fillVcpuMax(virConnectPtr conn, HostFacts& facts) {
  for (auto& guest : facts.guests) {
    const char* machine = uefiProbeMachine(guest.arch);
    if (machine == nullptr || !guest.hasMachine(machine)) continue;
    const std::string type =
        guest.hasDomainType(virtTypeName(facts.virt_type)) ? std::string(virtTypeName(facts.virt_type))
                                                           : std::string("qemu");
    CString domcaps(virConnectGetDomainCapabilities(conn, nullptr, guest.arch.c_str(), machine,
                                                    type.c_str(), 0));
    if (!domcaps) return libvirtError("cannot read domain capabilities for " + guest.arch);
    auto max = domainCapsVcpuMax(domcaps.get());
    if (!max) return max.takeError();
    guest.vcpu_max = *max;
  }
  return okStatus();
}

}  // namespace

Result<HostFacts> probeHost(const LibvirtConnection& conn, VirtTypeSetting virt_type,
                            const std::filesystem::path& kernel_root) {
  virConnectPtr c = conn.get();
  HostFacts facts;

  CString hostname(virConnectGetHostname(c));
  if (!hostname) return libvirtError("cannot read the hostname");
  facts.hostname = hostname.get();

  unsigned long lib = 0;
  if (virConnectGetLibVersion(c, &lib) < 0) return libvirtError("cannot read libvirt's version");
  facts.libvirt_version = Version::fromLibvirtNumber(lib);
  unsigned long hv = 0;
  if (virConnectGetVersion(c, &hv) < 0) return libvirtError("cannot read QEMU's version");
  facts.qemu_version = Version::fromLibvirtNumber(hv);

  CString caps_xml(virConnectGetCapabilities(c));
  if (!caps_xml) return libvirtError("cannot read the host capabilities");
  auto caps = parseCapabilities(caps_xml.get());
  if (!caps) return caps.takeError();
  facts.arch = caps->host_arch;
  facts.guests = std::move(caps->guests);
  facts.numa_cells = std::move(caps->cells);
  fillFreePages(c, facts.numa_cells);

  for (auto& guest : facts.guests) {
    const char* machine = uefiProbeMachine(guest.arch);
    if (machine == nullptr || !guest.hasMachine(machine)) continue;
    CString domcaps(
        virConnectGetDomainCapabilities(c, nullptr, guest.arch.c_str(), machine, "qemu", 0));
    if (!domcaps) return libvirtError("cannot read domain capabilities for " + guest.arch);
    auto uefi = domainCapsOfferUefi(domcaps.get());
    if (!uefi) return uefi.takeError();
    guest.uefi = *uefi;
    auto hostdev = parseDomainCapsHostdev(domcaps.get());
    if (!hostdev) return hostdev.takeError();
    guest.hostdev_pci_backends = std::move(hostdev->pci_backends);
    guest.hostdev_iommufd = std::move(hostdev->iommufd);
  }

  auto type = resolveVirtType(virt_type, facts.arch, facts.guests);
  if (!type) return type.takeError();
  facts.virt_type = *type;
  STRATUS_RETURN_IF_ERROR(fillVcpuMax(c, facts));
  facts.iommu = probeKernelIommu(kernel_root);
  auto pci = probePciDevices(conn, kernel_root);
  if (!pci) return pci.takeError();
  facts.pci_devices = std::move(*pci);
  return facts;
}

}  // namespace stratus::virt
