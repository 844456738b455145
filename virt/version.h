// A libvirt or QEMU version, "major.minor.micro".
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::virt {

struct Version {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned micro = 0;

  auto operator<=>(const Version&) const = default;
  std::string str() const;

  // libvirt encodes versions as major * 1,000,000 + minor * 1,000 + micro.
  static Version fromLibvirtNumber(unsigned long number);
  // "9.0.0" or "9.0"; `key` names the field in the error.
  static Result<Version> parse(std::string_view text, std::string_view key);
};

// Facts about libvirt releases that decide what may be rendered.
inline constexpr Version kLibvirtVirtioIommu{8, 3, 0};  // <iommu model='virtio'/>
inline constexpr Version kLibvirtIommuAwBits{6, 5, 0};  // <driver aw_bits=.../>

}  // namespace stratus::virt
