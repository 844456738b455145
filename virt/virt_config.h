// The [libvirt] section: which libvirt to use, which virt type, and the default
// machine type per guest arch.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/ini_config.h"
#include "common/result.h"
#include "virt/host_facts.h"

namespace stratus::virt {

enum class VirtTypeSetting { kAuto, kKvm, kQemu };

struct VirtConfig {
  std::string connection_uri = "qemu:///system";
  VirtTypeSetting virt_type = VirtTypeSetting::kAuto;
  // Guest arch -> machine type used when the image sets no hw_machine_type.
  std::map<std::string, std::string> hw_machine_type = {{"x86_64", "q35"}, {"aarch64", "virt"}};
  // Where the probe reads sysfs (IOMMU units, VFIO cdevs): "/" on the host itself, a
  // snapshot directory when libvirt is remote (../shared/labs/vfio `lab.sh sysfs`).
  std::string kernel_root = "/";

  std::optional<std::string> machineTypeFor(const std::string& arch) const;
};

Result<VirtConfig> virtConfigFrom(const IniConfig& config);
// `key` names the flag or setting in errors.
Result<VirtTypeSetting> parseVirtTypeSetting(std::string_view value, std::string_view key);
// "x86_64=q35,aarch64=virt"
Result<std::map<std::string, std::string>> parseMachineTypeMap(std::string_view value,
                                                               std::string_view key);

// auto: kvm when libvirt offers the kvm domain type for the host arch, else qemu.
// An explicit kvm that the host cannot do is an error, not a silent fallback.
Result<VirtType> resolveVirtType(VirtTypeSetting setting, const std::string& host_arch,
                                 const std::vector<GuestArchFacts>& guests);

}  // namespace stratus::virt
