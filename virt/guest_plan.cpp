#include "virt/guest_plan.h"

#include <algorithm>
#include <set>

#include "virt/smmu_topology.h"
#include "virt/viommu_rules.h"

namespace stratus::virt {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "(none)" : out;
}

struct PageFit {
  std::uint64_t needed = 0;
  std::uint64_t best_free = 0;
  bool exists = false;
  bool fits = false;
};

PageFit fitOnOneCell(const HostFacts& host, std::uint64_t size_kib, std::uint64_t ram_kib) {
  PageFit fit;
  fit.needed = ram_kib / size_kib;
  for (const auto& cell : host.numa_cells) {
    for (const auto& p : cell.pages) {
      if (p.size_kib != size_kib || p.total == 0) continue;
      fit.exists = true;
      fit.best_free = std::max(fit.best_free, p.free);
    }
  }
  fit.fits = fit.exists && ram_kib % size_kib == 0 && fit.best_free >= fit.needed;
  return fit;
}

std::vector<std::uint64_t> hugeSizesDescending(const HostFacts& host) {
  std::set<std::uint64_t, std::greater<>> sizes;
  for (const auto& cell : host.numa_cells) {
    for (const auto& p : cell.pages) {
      if (p.size_kib > kSmallPageKib && p.total > 0) sizes.insert(p.size_kib);
    }
  }
  return {sizes.begin(), sizes.end()};
}

std::string sizesText(const HostFacts& host) {
  std::vector<std::string> out;
  for (auto s : hugeSizesDescending(host)) out.push_back(std::to_string(s) + " KiB");
  return join(out);
}

Result<std::string> chooseMachine(const GuestRequest& req, const std::string& arch,
                                  const HostFacts& host, const VirtConfig& config) {
  std::string key = req.machine_type ? std::string(kImageMachine) : "[libvirt] hw_machine_type";
  auto machine = req.machine_type ? req.machine_type : config.machineTypeFor(arch);
  if (!machine) {
    std::string allowed =
        "a machine type for " + arch + " in hw_machine_type or [libvirt] hw_machine_type";
    std::string why = "no default machine type is configured for " + arch;
    // A machine type alone would not do: the model would be refused next.
    if (auto model = noModelFitsArch(req.viommu.value, req.viommu.key, arch); !model.empty()) {
      why += ", and " + model;
      allowed += ", with " + req.viommu.key + " none";
    }
    return Error::invalid(std::string(kImageMachine), "(unset)", allowed, why);
  }
  const auto* guest = host.guest(arch);
  if (!guest->hasMachine(*machine)) {
    return Error::precondition(key, *machine,
                               key + "='" + *machine + "' is not offered by host " + host.hostname +
                                   " for " + arch + "; offered: " + join(guest->machines));
  }
  return *machine;
}

DomainDef buildDomain(const GuestRequest& req, const HostFacts& host, const std::string& arch,
                      const std::string& machine, ViommuModel model,
                      std::optional<std::uint64_t> page_kib) {
  DomainDef d;
  d.type = std::string(virtTypeName(host.virt_type));
  d.name = req.name;
  d.memory_kib = req.ram_mib * 1024;
  d.vcpus = req.vcpus;
  d.arch = arch;
  d.machine = machine;
  const auto* guest = host.guest(arch);
  // On aarch64, ACPI (which virtio-iommu needs) exists only with UEFI; give every
  // aarch64 guest UEFI where the host has it, so all models see the same platform.
  const bool aarch64 = arch == "aarch64";
  d.firmware_efi = aarch64 && guest->uefi;
  d.acpi = aarch64 ? d.firmware_efi : true;
  d.hugepage_kib = page_kib;
  d.locked_memory = req.locked_memory && req.locked_memory->value;
  // x86_64 keeps libvirt's default CPU model: host-passthrough under nested KVM
  // makes QEMU 7.2 abort ("failed to set MSR 0x10a"). On aarch64 KVM accepts only
  // the host's CPU, and under TCG QEMU's default for virt is a 32-bit cortex-a15.
  if (aarch64) {
    d.cpu = host.virt_type == VirtType::kKvm ? CpuDef{"host-passthrough", "", {}}
                                             : CpuDef{"custom", "cortex-a57", {}};
  }
  const bool tcg = host.virt_type == VirtType::kQemu;
  const bool x2apic = arch == "x86_64" && req.vcpus > kMaxVcpusWithoutEim;
  // Under TCG QEMU's default qemu64 CPU has no x2APIC, which APIC IDs above 254 need
  // ("APIC ID 255 requires x2APIC feature in CPU", QEMU 11.1); KVM adds it itself.
  if (x2apic && tcg) d.cpu = CpuDef{"custom", "qemu64", {"x2apic"}};
  const Version qemu = host.qemuVersionFor(arch);
  if (model == ViommuModel::kNone) return d;

  IommuDef iommu;
  iommu.model = model;
  if (model == ViommuModel::kIntel) {
    // Interrupt remapping needs the split irqchip (ioapic driver='qemu').
    iommu.driver.intremap = Tristate::kOn;
    iommu.driver.caching_mode = Tristate::kOn;
    iommu.driver.iotlb = Tristate::kOn;
    if (host.libvirt_version >= kLibvirtIommuAwBits) iommu.driver.aw_bits = 48;
    // QEMU before 11.1 refuses eim under TCG: "eim=on requires accel=kvm,kernel-irqchip=split".
    if ((!tcg || qemu >= kQemuEimUnderTcg) && isQ35Machine(machine)) {
      iommu.driver.eim = Tristate::kOn;
    }
    d.ioapic_qemu = true;
  } else if (model == ViommuModel::kAmd) {
    // Set explicitly rather than left to libvirt (12.2 adds xtsup itself above 255 vCPUs):
    // the plan decides. No passthrough: libvirt 12.9 takes it and QEMU 11.1 then fails
    // ("Property 'amd-iommu.pt' not found"). No address: libvirt places AMDVI-PCI on pcie.0.
    iommu.driver.intremap = Tristate::kOn;
    iommu.driver.iotlb = Tristate::kOn;
    if (x2apic) iommu.driver.xtsup = Tristate::kOn;
    d.ioapic_qemu = true;
  } else if (model == ViommuModel::kVirtio) {
    // 9.0 refuses any virtio driver attribute ("doesn't support additional attributes");
    // xtsup and passthrough are never written: 12.9 takes and silently drops them.
    if (host.libvirt_version >= kLibvirtVirtioAwBits && qemu >= kQemuVirtioIommuAwBits) {
      iommu.driver.aw_bits = 48;
    }
  }
  // smmuv3 takes no driver attributes in its machine-wide form.
  d.iommu = iommu;
  // Where the stack has per-bus SMMUs the guest gets that form from the start (one on
  // pcie.0 until devices are added), so a plan never switches forms midway.
  if (model == ViommuModel::kSmmuv3 && perBusSmmuv3(host, arch)) {
    applySmmuTopology(d, host, false);
  }
  return d;
}

}  // namespace

Result<std::optional<std::uint64_t>> choosePageSize(const Sourced<PageSizeRequest>& request,
                                                    std::uint64_t ram_mib, const HostFacts& host) {
  using Kind = PageSizeRequest::Kind;
  const std::uint64_t ram_kib = ram_mib * 1024;
  const auto& spec = request.value;
  switch (spec.kind) {
    case Kind::kSmall:
      return std::optional<std::uint64_t>();
    case Kind::kExplicit: {
      auto fit = fitOnOneCell(host, spec.size_kib, ram_kib);
      if (fit.fits) return std::optional<std::uint64_t>(spec.size_kib);
      std::string why;
      if (!fit.exists) {
        why = "host " + host.hostname + " has no " + std::to_string(spec.size_kib) +
              " KiB pages; it has: " + sizesText(host);
      } else if (ram_kib % spec.size_kib != 0) {
        why = "the guest's " + std::to_string(ram_mib) + " MiB of RAM is not a multiple of " +
              std::to_string(spec.size_kib) + " KiB";
      } else {
        why = "the guest needs " + std::to_string(fit.needed) + " free pages of " +
              std::to_string(spec.size_kib) + " KiB on one NUMA cell, and host " + host.hostname +
              " has at most " + std::to_string(fit.best_free) + " free";
      }
      return Error::precondition(request.key, request.raw,
                                 request.key + "='" + request.raw + "' cannot be met: " + why);
    }
    case Kind::kLarge:
    case Kind::kAny: {
      std::string tried;
      for (auto size : hugeSizesDescending(host)) {
        auto fit = fitOnOneCell(host, size, ram_kib);
        if (fit.fits) return std::optional<std::uint64_t>(size);
        tried += (tried.empty() ? "" : "; ") + std::to_string(size) + " KiB: needs " +
                 std::to_string(fit.needed) + " pages, " + std::to_string(fit.best_free) + " free" +
                 (ram_kib % size != 0 ? " (RAM is not a multiple)" : "");
      }
      if (spec.kind == Kind::kAny) return std::optional<std::uint64_t>();
      return Error::precondition(
          request.key, request.raw,
          request.key + "='" + request.raw + "' cannot be met: no huge page size on host " +
              host.hostname + " has enough free pages on one NUMA cell for " +
              std::to_string(ram_mib) + " MiB" +
              (tried.empty() ? std::string(" (it has no huge pages)") : " (" + tried + ")"));
    }
  }
  return std::optional<std::uint64_t>();
}

Result<GuestPlan> planGuest(const GuestRequest& req, const HostFacts& host,
                            const VirtConfig& config) {
  const std::string arch = req.arch.value_or(host.arch);
  if (!host.runsArch(arch)) {
    const std::string key = req.arch ? std::string(kImageArch) : "host arch";
    return Error::precondition(key, arch,
                               key + "='" + arch + "': host " + host.hostname + " runs " +
                                   join(host.runnableArches()) + " under virt type " +
                                   std::string(virtTypeName(host.virt_type)));
  }
  auto machine = chooseMachine(req, arch, host, config);
  if (!machine) return machine.takeError();

  STRATUS_RETURN_IF_ERROR(checkModelFitsGuest(req.viommu.value, req.viommu.key, arch, *machine));
  STRATUS_RETURN_IF_ERROR(
      checkVcpusOnHost(host, req.viommu.value, req.viommu.key, arch, *machine, req.vcpus));

  ViommuModel resolved = req.viommu.value;
  if (resolved == ViommuModel::kAuto) {
    auto r = resolveAutoModel(host, req.viommu.key, arch, *machine, req.vcpus);
    if (!r) return r.takeError();
    resolved = *r;
  } else if (resolved != ViommuModel::kNone) {
    STRATUS_RETURN_IF_ERROR(checkHostBootsModel(host, resolved, req.viommu.key, arch, *machine));
  }

  std::optional<std::uint64_t> page_kib;
  if (req.page_size) {
    auto chosen = choosePageSize(*req.page_size, req.ram_mib, host);
    if (!chosen) return chosen.takeError();
    page_kib = *chosen;
  }

  const bool accel = req.viommu_accel && req.viommu_accel->value;
  if (accel) {
    if (auto why = smmuAccelUnavailable(host); !why.empty()) {
      return Error::precondition(
          req.viommu_accel->key, req.viommu_accel->raw,
          req.viommu_accel->key + "='" + req.viommu_accel->raw + "' cannot be met: " + why);
    }
  }

  GuestPlan plan;
  plan.viommu_accel = accel;
  if (accel) plan.viommu_accel_key = req.viommu_accel->key;
  plan.requested = req.viommu.value;
  plan.resolved = resolved;
  plan.page_kib = page_kib;
  plan.domain = buildDomain(req, host, arch, *machine, resolved, page_kib);
  return plan;
}

Result<GuestPlan> planGuest(const Flavor& flavor, const ImageProperties& image,
                            const HostFacts& host, const VirtConfig& config) {
  auto req = parseGuestRequest(flavor, image, config);
  if (!req) return req.takeError();
  return planGuest(*req, host, config);
}

std::optional<std::uint64_t> vfioMemlockHardLimitKib(std::size_t devices, bool viommu,
                                                     std::uint64_t memory_kib,
                                                     const Version& libvirt) {
  if (devices == 0 || !viommu || libvirt >= kLibvirtSizesVfioMemlock) return std::nullopt;
  constexpr std::uint64_t kOneGibKib = 1024ULL * 1024;
  return devices * memory_kib + kOneGibKib;
}

Status checkPassthroughAccel(const GuestPlan& plan, const GuestPassthrough& passthrough,
                             const HostFacts& host) {
  if (!plan.viommu_accel) return okStatus();
  STRATUS_RETURN_IF_ERROR(checkSmmuAccelDevices(passthrough.hostdevs, host, plan.viommu_accel_key));
  // Nested SMMUv3 works only on iommufd-backed hostdevs, and a guest's hostdevs are all
  // iommufd or all legacy (useIommufdForGuest): one device that cannot use iommufd, or
  // [pci] iommufd = no, leaves the whole guest without it.
  const std::string key(plan.viommu_accel_key);
  const std::string why = ", and nested SMMUv3 needs iommufd-backed hostdevs";
  if (passthrough.iommufd == IommufdMode::kNo) {
    return Error::precondition(key, "true",
                               key + "='true' cannot be met: [pci] iommufd is 'no'" + why);
  }
  for (const auto& h : passthrough.hostdevs) {
    const PciDeviceFacts* dev = findPciDevice(host.pci_devices, h.address);
    if (useIommufd(passthrough.iommufd, host, plan.domain.arch, dev, h.managed)) continue;
    return Error::precondition(key, "true",
                               key + "='true' cannot be met for device " + h.address +
                                   ": it has no VFIO cdev at start (not bound to vfio-pci, "
                                   "and unmanaged)" +
                                   why);
  }
  return okStatus();
}

Status checkPassthroughIommufd(const GuestPassthrough& passthrough, const HostFacts& host) {
  if (passthrough.iommufd != IommufdMode::kYes) return okStatus();
  for (const auto& h : passthrough.hostdevs) {
    const PciDeviceFacts* dev = findPciDevice(host.pci_devices, h.address);
    if (dev == nullptr) continue;  // not in the facts: the spawner assigns only listed devices
    const std::string gap = vfioCdevGap(host, *dev, h.managed);
    if (gap.empty()) continue;
    return Error::precondition(
        "[pci] iommufd", "yes",
        "[pci] iommufd='yes' cannot be met for device " + h.address + ": " + gap +
            "; bind it to vfio-pci before the spawn, or set managed=yes in its [pci] "
            "device_spec");
  }
  return okStatus();
}

Status checkPassthrough(const GuestPlan& plan, const GuestPassthrough& passthrough,
                        const HostFacts& host) {
  STRATUS_RETURN_IF_ERROR(checkPassthroughAccel(plan, passthrough, host));
  return checkPassthroughIommufd(passthrough, host);
}

bool virtioHostGranule(const DomainDef& d, const HostFacts& host) {
  return d.iommu && d.iommu->model == ViommuModel::kVirtio && !d.hostdevs.empty() &&
         host.libvirt_version >= kLibvirtIommuGranule &&
         host.qemuVersionFor(d.arch) >= kQemuVirtioIommuAwBits;
}

void addPassthrough(GuestPlan& plan, const GuestPassthrough& passthrough, const HostFacts& host) {
  DomainDef& d = plan.domain;
  d.hostdevs = passthrough.hostdevs;
  std::vector<IommufdHostdev> decided;
  for (const auto& dev : d.hostdevs) {
    const auto it = std::ranges::find(host.pci_devices, dev.address, &PciDeviceFacts::address);
    decided.push_back({it != host.pci_devices.end() ? &*it : nullptr, dev.managed});
  }
  // One backend per guest (QEMU aborts on a mix): useIommufdForGuest decides for all.
  const bool iommufd = useIommufdForGuest(passthrough.iommufd, host, d.arch, decided);
  for (auto& dev : d.hostdevs) dev.iommufd = iommufd;
  if (d.iommu) d.iommu->driver.granule_host = virtioHostGranule(d, host);
  d.numatune = passthrough.numatune;
  d.vcpu_cpuset = passthrough.vcpu_cpuset;
  if (!d.bus_iommus.empty()) applySmmuTopology(d, host, plan.viommu_accel);
  const bool viommu = d.iommu.has_value() || !d.bus_iommus.empty();
  d.memtune_hard_limit_kib =
      vfioMemlockHardLimitKib(d.hostdevs.size(), viommu, d.memory_kib, host.libvirt_version);
}

}  // namespace stratus::virt
