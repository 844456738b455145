// Parsers for libvirt's capabilities and domain capabilities XML. Pure: they take
// the XML text, so captured documents and live ones go through the same code.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "virt/host_facts.h"

namespace stratus::virt {

struct CapabilitiesInfo {
  std::string host_arch;
  std::vector<NumaCellFacts> cells;    // page "free" counts are left 0: not in this XML
  std::vector<GuestArchFacts> guests;  // hvm guests merged per arch; uefi left false
};

Result<CapabilitiesInfo> parseCapabilities(const std::string& xml);

// Whether the domain capabilities offer UEFI firmware: a firmware enum with 'efi',
// or a loader with at least one firmware image.
Result<bool> domainCapsOfferUefi(const std::string& xml);

}  // namespace stratus::virt
