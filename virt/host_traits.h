// The traits a host has, derived from its facts alone.
#pragma once

#include <set>
#include <string>

#include "traits/catalog.h"
#include "virt/host_facts.h"

namespace stratus::virt {

// A vIOMMU model trait is reported only when a guest with that model would boot on
// this host under its virt type (viommu_rules); AUTO when any model is reported;
// HW_ARCH_* for the arches the host runs; CUSTOM_MEM_PAGE_SIZE_<KiB> for each page
// size above 4 KiB that some NUMA cell has pages of; CUSTOM_VIOMMU_SMMUV3_ACCEL where
// smmu_topology.h's smmuAccelUnavailable says the host can.
std::set<std::string> hostTraits(const HostFacts& host, const traits::TraitsConfig& config);

// Only the vIOMMU model traits and HW_ARCH_* (what virt/ decides, without memory).
std::set<std::string> hostViommuAndArchTraits(const HostFacts& host,
                                              const traits::TraitsConfig& config);

}  // namespace stratus::virt
