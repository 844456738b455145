// Which vIOMMU model a guest can have, with and without a host. The host traits,
// 'auto' resolution and request validation all ask these functions, so a host
// reports a model exactly when a guest with it would be accepted there.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "virt/host_facts.h"
#include "virt/viommu_model.h"

namespace stratus::virt {

bool isQ35Machine(std::string_view machine);      // q35, pc-q35-7.2, ...
bool isArmVirtMachine(std::string_view machine);  // virt, virt-7.2, ...

// x86_64 guests above this many vCPUs need x2APIC, which needs intel with eim or amd with
// xtsup.
inline constexpr unsigned kMaxVcpusWithoutEim = 255;

// Host-independent: intel needs x86_64 + q35, smmuv3 aarch64 + virt, virtio q35 or
// virt; auto needs one of them. `key` is the setting that asked for the model.
Status checkModelFitsGuest(ViommuModel model, std::string_view key, std::string_view arch,
                           std::string_view machine);

// Empty when `model` is none or some machine type of `arch` takes a vIOMMU model;
// otherwise why no model fits an `arch` guest, naming what `model` needs. For a
// refusal that is not about the model (no machine type for the arch) to say so too.
std::string noModelFitsArch(ViommuModel model, std::string_view key, std::string_view arch);

// The host can boot a guest of this arch/machine with this concrete model: virtio
// needs libvirt >= 8.3.0 and, on aarch64, UEFI (virtio-iommu needs ACPI there); amd
// needs libvirt >= 11.5.0 (kLibvirtAmdIommu).
Status checkHostBootsModel(const HostFacts& host, ViommuModel model, std::string_view key,
                           std::string_view arch, std::string_view machine);

// 'auto' on this host: virtio where it can boot, else intel (x86_64 q35) or smmuv3
// (aarch64 virt). Large x86_64 guests need intel with eim, so they get intel under kvm.
Result<ViommuModel> resolveAutoModel(const HostFacts& host, std::string_view key,
                                     std::string_view arch, std::string_view machine,
                                     unsigned vcpus);

// The > 255 vCPU rule for x86_64 guests: only intel (eim), amd (xtsup) or auto give
// x2APIC (InvalidArgument "vcpus" otherwise); under TCG (virt_type qemu) they need QEMU
// >= 11.1 (kQemuEimUnderTcg), refused as FailedPrecondition where `qemu` is older or
// unknown. virt_type nullopt: no host yet, only the model part applies.
Status checkVcpusForModel(ViommuModel model, std::string_view key, std::string_view arch,
                          unsigned vcpus, std::optional<VirtType> virt_type,
                          std::optional<Version> qemu = std::nullopt);

// Every vCPU rule on one host (FailedPrecondition naming the limit unless said otherwise):
// at most the arch's vcpu_max (domain capabilities of q35/virt, so only those machine
// families are checked); `none` above 255 vCPUs on q35 is refused where libvirt >= 11.0
// (kLibvirtAddsIommuForVcpus) would add an intel vIOMMU by itself; then
// checkVcpusForModel with the arch's QEMU version.
Status checkVcpusOnHost(const HostFacts& host, ViommuModel model, std::string_view key,
                        std::string_view arch, std::string_view machine, unsigned vcpus);

}  // namespace stratus::virt
