#include "virt/virt_config.h"

#include <sstream>

namespace stratus::virt {

std::optional<std::string> VirtConfig::machineTypeFor(const std::string& arch) const {
  auto it = hw_machine_type.find(arch);
  if (it == hw_machine_type.end()) return std::nullopt;
  return it->second;
}

Result<VirtTypeSetting> parseVirtTypeSetting(std::string_view value, std::string_view key) {
  if (value == "auto") return VirtTypeSetting::kAuto;
  if (value == "kvm") return VirtTypeSetting::kKvm;
  if (value == "qemu") return VirtTypeSetting::kQemu;
  return Error::invalid(std::string(key), std::string(value), "auto, kvm, qemu");
}

Result<std::map<std::string, std::string>> parseMachineTypeMap(std::string_view value,
                                                               std::string_view key) {
  std::map<std::string, std::string> out;
  std::stringstream in{std::string(value)};
  std::string item;
  while (std::getline(in, item, ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return Error::invalid(std::string(key), std::string(value),
                            "a comma-separated list of ARCH=MACHINE, e.g. x86_64=q35,aarch64=virt",
                            "entry '" + item + "' is not ARCH=MACHINE");
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  if (out.empty()) {
    return Error::invalid(std::string(key), std::string(value),
                          "a comma-separated list of ARCH=MACHINE, e.g. x86_64=q35,aarch64=virt");
  }
  return out;
}

Result<VirtConfig> virtConfigFrom(const IniConfig& config) {
  STRATUS_RETURN_IF_ERROR(requireKnownKeys(
      config, "libvirt", {"connection_uri", "virt_type", "hw_machine_type", "kernel_root"}));
  VirtConfig out;
  if (auto uri = config.get("libvirt", "connection_uri")) out.connection_uri = *uri;
  if (auto v = config.get("libvirt", "kernel_root")) {
    if (v->empty()) {
      return Error::invalid("[libvirt] kernel_root", *v,
                            "a directory, / for this host's own kernel");
    }
    out.kernel_root = *v;
  }
  if (auto v = config.get("libvirt", "virt_type")) {
    auto parsed = parseVirtTypeSetting(*v, "[libvirt] virt_type");
    if (!parsed) return parsed.takeError();
    out.virt_type = *parsed;
  }
  if (auto v = config.get("libvirt", "hw_machine_type")) {
    auto parsed = parseMachineTypeMap(*v, "[libvirt] hw_machine_type");
    if (!parsed) return parsed.takeError();
    // Arches the operator did not name keep their defaults.
    for (auto& [arch, machine] : *parsed) out.hw_machine_type[arch] = machine;
  }
  return out;
}

Result<VirtType> resolveVirtType(VirtTypeSetting setting, const std::string& host_arch,
                                 const std::vector<GuestArchFacts>& guests) {
  bool kvm = false;
  for (const auto& g : guests) {
    if (g.arch == host_arch && g.hasDomainType("kvm")) kvm = true;
  }
  switch (setting) {
    case VirtTypeSetting::kQemu:
      return VirtType::kQemu;
    case VirtTypeSetting::kAuto:
      return kvm ? VirtType::kKvm : VirtType::kQemu;
    case VirtTypeSetting::kKvm:
      if (kvm) return VirtType::kKvm;
      return Error::precondition("[libvirt] virt_type", "kvm",
                                 "[libvirt] virt_type='kvm' but libvirt offers no kvm domain "
                                 "type for the host arch " +
                                     host_arch +
                                     " (is /dev/kvm usable?); allowed here: auto, qemu");
  }
  return VirtType::kQemu;
}

}  // namespace stratus::virt
