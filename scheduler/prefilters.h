// Prefilters: each turns one part of the request into what placement must match, so
// hosts that cannot take the guest are never candidates. One small named function
// each, run in order.
#pragma once

#include <string_view>
#include <vector>

#include "scheduler/request_spec.h"
#include "traits/catalog.h"

namespace stratus::scheduler {

struct PrefilterContext {
  const RequestSpec& spec;
  const traits::TraitsConfig& traits;
};

using PrefilterFn = void (*)(const PrefilterContext& ctx, PlacementQuery& query);

struct Prefilter {
  std::string_view name;
  PrefilterFn apply;
};

// VCPU, MEMORY_MB and DISK_GB from the flavor.
void resourcesPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// A concrete model: its trait. auto: any of the models valid for the guest's arch and
// machine type (or the AUTO trait when the arch is left to the host).
void viommuModelPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// hw_architecture: HW_ARCH_*.
void archPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// An explicit huge page size: CUSTOM_MEM_PAGE_SIZE_<KiB>. Free pages are a host filter.
void pageSizePrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// Disabled hosts take no new guests.
void disabledHostPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// pci_passthrough:alias: one numbered group per device (resources<N>=<RC>:1 and the
// alias's traits as required<N>), N = 1, 2, ... in request order, so each device may come
// from its own provider; the flavor's group_policy (isolate: all from different ones).
void pciDevicesPrefilter(const PrefilterContext& ctx, PlacementQuery& query);

// availability_zone: the member_of the API resolved the zone to (Nova's
// map_az_to_placement_aggregate); nothing when the server asked for no zone.
void availabilityZonePrefilter(const PrefilterContext& ctx, PlacementQuery& query);

const std::vector<Prefilter>& prefilters();

PlacementQuery buildPlacementQuery(const RequestSpec& spec, const traits::TraitsConfig& traits);

}  // namespace stratus::scheduler
