// A parsed guest request planned onto one host: the arch and machine type checked
// against what the host runs, 'auto' resolved, the page size chosen, and the
// DomainDef built. Pure: the same request and facts always give the same plan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "virt/domain_def.h"
#include "virt/guest_request.h"
#include "virt/host_facts.h"
#include "virt/virt_config.h"

namespace stratus::virt {

struct GuestPlan {
  ViommuModel requested = ViommuModel::kNone;
  ViommuModel resolved = ViommuModel::kNone;
  std::optional<std::uint64_t> page_kib;  // a huge page size, or none for small pages
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

// Convenience for the CLI and tests: parse then plan.
Result<GuestPlan> planGuest(const Flavor& flavor, const ImageProperties& image,
                            const HostFacts& host, const VirtConfig& config);

}  // namespace stratus::virt
