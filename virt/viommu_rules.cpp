#include "virt/viommu_rules.h"

#include <vector>

namespace stratus::virt {
namespace {

bool fits(ViommuModel model, std::string_view arch, std::string_view machine) {
  const bool x86_q35 = arch == "x86_64" && isQ35Machine(machine);
  const bool arm_virt = arch == "aarch64" && isArmVirtMachine(machine);
  switch (model) {
    case ViommuModel::kNone:
      return true;
    case ViommuModel::kIntel:
    case ViommuModel::kAmd:
      return x86_q35;
    case ViommuModel::kSmmuv3:
      return arm_virt;
    case ViommuModel::kVirtio:
    case ViommuModel::kAuto:
      return x86_q35 || arm_virt;
  }
  return false;
}

std::string_view needs(ViommuModel model) {
  switch (model) {
    case ViommuModel::kIntel:
    case ViommuModel::kAmd:
      return "an x86_64 guest with a q35 machine type";
    case ViommuModel::kSmmuv3:
      return "an aarch64 guest with a virt machine type";
    case ViommuModel::kVirtio:
      return "an x86_64 guest with a q35 machine type or an aarch64 guest with a virt machine "
             "type";
    case ViommuModel::kAuto:
      return "a guest that some model fits (x86_64 with q35, or aarch64 with virt)";
    case ViommuModel::kNone:
      return "nothing";
  }
  return "";
}

// Why the host cannot boot `model`, or empty when it can.
std::string hostRefusal(const HostFacts& host, ViommuModel model, std::string_view arch) {
  if (model == ViommuModel::kAmd && host.libvirt_version < kLibvirtAmdIommu) {
    return "amd needs libvirt >= " + kLibvirtAmdIommu.str() + ", host " + host.hostname + " has " +
           host.libvirt_version.str();
  }
  if (model != ViommuModel::kVirtio) return {};
  if (host.libvirt_version < kLibvirtVirtioIommu) {
    return "virtio needs libvirt >= " + kLibvirtVirtioIommu.str() + ", host " + host.hostname +
           " has " + host.libvirt_version.str();
  }
  if (arch == "aarch64") {
    const auto* g = host.guest(arch);
    if (g == nullptr || !g->uefi) {
      return "virtio on aarch64 needs ACPI, which needs UEFI firmware, and host " + host.hostname +
             " has no UEFI firmware for aarch64";
    }
  }
  return {};
}

std::string bootableList(const HostFacts& host, std::string_view arch, std::string_view machine) {
  std::string out = "none";
  for (auto m : kAllConcreteViommuModels) {
    if (fits(m, arch, machine) && hostRefusal(host, m, arch).empty()) {
      out += ", " + std::string(viommuModelName(m));
    }
  }
  return out;
}

}  // namespace

bool isQ35Machine(std::string_view machine) {
  return machine == "q35" || machine.starts_with("pc-q35-");
}

bool isArmVirtMachine(std::string_view machine) {
  return machine == "virt" || machine.starts_with("virt-");
}

Status checkModelFitsGuest(ViommuModel model, std::string_view key, std::string_view arch,
                           std::string_view machine) {
  if (fits(model, arch, machine)) return okStatus();
  std::string allowed = "none";
  for (auto m : kAllConcreteViommuModels) {
    if (fits(m, arch, machine)) allowed += ", " + std::string(viommuModelName(m));
  }
  if (allowed != "none") allowed += ", auto";
  return Error::invalid(
      std::string(key), std::string(viommuModelName(model)),
      allowed + " (for " + std::string(arch) + " with machine type " + std::string(machine) + ")",
      "model " + std::string(viommuModelName(model)) + " needs " + std::string(needs(model)) +
          ", but the guest is " + std::string(arch) + " with machine type " + std::string(machine));
}

std::string noModelFitsArch(ViommuModel model, std::string_view key, std::string_view arch) {
  if (model == ViommuModel::kNone) return {};
  // q35 and virt are the only machine families any model needs (fits() above).
  for (auto m : kAllConcreteViommuModels) {
    if (fits(m, arch, "q35") || fits(m, arch, "virt")) return {};
  }
  return "no vIOMMU model fits a " + std::string(arch) + " guest (" + std::string(key) + "='" +
         std::string(viommuModelName(model)) + "' needs " + std::string(needs(model)) + ")";
}

Status checkHostBootsModel(const HostFacts& host, ViommuModel model, std::string_view key,
                           std::string_view arch, std::string_view machine) {
  auto why = hostRefusal(host, model, arch);
  if (why.empty()) return okStatus();
  return Error::precondition(std::string(key), std::string(viommuModelName(model)),
                             std::string(key) + "='" + std::string(viommuModelName(model)) +
                                 "' cannot boot here: " + why + "; models this host can boot for " +
                                 std::string(arch) + "/" + std::string(machine) + ": " +
                                 bootableList(host, arch, machine));
}

Result<ViommuModel> resolveAutoModel(const HostFacts& host, std::string_view key,
                                     std::string_view arch, std::string_view machine,
                                     unsigned vcpus) {
  if (arch == "x86_64" && vcpus > kMaxVcpusWithoutEim) {
    // Of the models auto picks only intel with eim gives such a guest x2APIC; QEMU before
    // 11.1 allows eim only under KVM.
    STRATUS_RETURN_IF_ERROR(checkVcpusForModel(ViommuModel::kIntel, key, arch, vcpus,
                                               host.virt_type, host.qemuVersionFor(arch)));
    if (fits(ViommuModel::kIntel, arch, machine)) return ViommuModel::kIntel;
  }
  for (auto m : kConcreteViommuModels) {
    if (fits(m, arch, machine) && hostRefusal(host, m, arch).empty()) return m;
  }
  return Error::precondition(std::string(key), "auto",
                             std::string(key) + "='auto' cannot resolve: host " + host.hostname +
                                 " can boot no vIOMMU model for a " + std::string(arch) +
                                 " guest with machine type " + std::string(machine) +
                                 "; allowed here: none");
}

Status checkVcpusForModel(ViommuModel model, std::string_view key, std::string_view arch,
                          unsigned vcpus, std::optional<VirtType> virt_type,
                          std::optional<Version> qemu) {
  if (arch != "x86_64" || vcpus <= kMaxVcpusWithoutEim) return okStatus();
  const std::string model_text =
      std::string(key) + "='" + std::string(viommuModelName(model)) + "'";
  const std::string head = "an x86_64 guest with more than " + std::to_string(kMaxVcpusWithoutEim) +
                           " vCPUs needs x2APIC, which needs the intel vIOMMU with eim or the amd "
                           "vIOMMU with xtsup";
  if (model != ViommuModel::kIntel && model != ViommuModel::kAmd && model != ViommuModel::kAuto) {
    return Error::invalid("vcpus", std::to_string(vcpus),
                          "at most " + std::to_string(kMaxVcpusWithoutEim) + " vCPUs, or " +
                              std::string(key) + " intel, amd or auto",
                          head + ", and " + model_text + " does not give it");
  }
  if (virt_type == VirtType::kQemu && (!qemu || *qemu < kQemuEimUnderTcg)) {
    return Error::precondition(
        "vcpus", std::to_string(vcpus),
        "vcpus='" + std::to_string(vcpus) + "' with " + model_text + " cannot boot here: " + head +
            ", and QEMU before " + kQemuEimUnderTcg.str() +
            " allows them only under kvm while this host runs qemu (TCG) with QEMU " +
            (qemu ? qemu->str() : std::string("(unknown)")) + "; allowed here: at most " +
            std::to_string(kMaxVcpusWithoutEim) + " vCPUs");
  }
  return okStatus();
}

Status checkVcpusOnHost(const HostFacts& host, ViommuModel model, std::string_view key,
                        std::string_view arch, std::string_view machine, unsigned vcpus) {
  const std::string n = std::to_string(vcpus);
  const auto* guest = host.guest(arch);
  const bool probe_machine = isQ35Machine(machine) || isArmVirtMachine(machine);
  if (guest != nullptr && guest->vcpu_max && probe_machine && vcpus > *guest->vcpu_max) {
    const std::string max = std::to_string(*guest->vcpu_max);
    return Error::precondition("vcpus", n,
                               "vcpus='" + n + "' cannot boot here: host " + host.hostname +
                                   " allows at most " + max + " vCPUs for " + std::string(arch) +
                                   " with machine type " + std::string(machine) + " under " +
                                   std::string(virtTypeName(host.virt_type)) +
                                   " (domain capabilities vcpu max); allowed here: at most " + max +
                                   " vCPUs");
  }
  if (model == ViommuModel::kNone && arch == "x86_64" && isQ35Machine(machine) &&
      vcpus > kMaxVcpusWithoutEim && host.libvirt_version >= kLibvirtAddsIommuForVcpus) {
    return Error::precondition(
        std::string(key), "none",
        std::string(key) + "='none' with vcpus='" + n + "' cannot boot here: libvirt " +
            host.libvirt_version.str() + " on host " + host.hostname + " (>= " +
            kLibvirtAddsIommuForVcpus.str() +
            ") adds an intel vIOMMU by itself to a q35 guest with more than " +
            std::to_string(kMaxVcpusWithoutEim) +
            " vCPUs and no vIOMMU, so the guest would not have none; allowed here: at most " +
            std::to_string(kMaxVcpusWithoutEim) + " vCPUs, or " + std::string(key) +
            " intel, amd or auto");
  }
  return checkVcpusForModel(model, key, arch, vcpus, host.virt_type, host.qemuVersionFor(arch));
}

}  // namespace stratus::virt
