// Prefilters: each turns one part of the request into what placement must match, so
// hosts that cannot take the guest are never candidates. One small named function
// each, run in order.
#pragma once

#include <functional>
#include <string>
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

// VCPU, MEMORY_MB and DISK_GB from the flavor, each replaced by the flavor's
// resources:<RC> when it sets one (0 removes the class), as Nova does.
void resourcesPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// The flavor's other resources*, trait*, member_of* extra specs (flavor_request.h): the
// unnumbered group's extra classes, traits and member_of, and the numbered groups under
// the flavor's own suffixes, with its group_policy.
void flavorRequestPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// The image's trait:<TRAIT>=required properties, in the unnumbered group.
void imageTraitsPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// A concrete model: its trait. auto: any of the models valid for the guest's arch and
// machine type (or the AUTO trait when the arch is left to the host). hw:viommu_accel=true
// also requires CUSTOM_VIOMMU_SMMUV3_ACCEL.
void viommuModelPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// hw_architecture: HW_ARCH_*.
void archPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// An explicit huge page size: CUSTOM_MEM_PAGE_SIZE_<KiB>. Free pages are a host filter.
void pageSizePrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// Disabled hosts take no new guests.
void disabledHostPrefilter(const PrefilterContext& ctx, PlacementQuery& query);
// pci_passthrough:alias: one numbered group per device (resources<N>=<RC>:1 and the
// alias's traits as required<N>), N = 1, 2, ... in request order skipping the suffixes
// the flavor's own groups use, so each device may come from its own provider; the
// flavor's group_policy (isolate: all from different ones).
void pciDevicesPrefilter(const PrefilterContext& ctx, PlacementQuery& query);

// availability_zone: the member_of the API resolved the zone to (Nova's
// map_az_to_placement_aggregate); nothing when the server asked for no zone.
void availabilityZonePrefilter(const PrefilterContext& ctx, PlacementQuery& query);

// A host forced by availability_zone "ZONE:HOST": in_tree its compute node (Nova's
// scheduler bypasses its filters for a forced host; Stratus still asks placement, so the
// claim is real and a host without room is refused, and still plans the guest there).
void forcedHostPrefilter(const PrefilterContext& ctx, PlacementQuery& query);

// resources, flavor_request, image_traits, viommu_model, architecture, mem_page_size,
// disabled_host, pci_devices, availability_zone, forced_host.
const std::vector<Prefilter>& prefilters();

PlacementQuery buildPlacementQuery(const RequestSpec& spec, const traits::TraitsConfig& traits);

// One flavor or image item added to a query (its group created when it is the first).
void applyPlacementItem(const PlacementItem& item, const std::string& group_policy,
                        PlacementQuery& query);

// The query built in small steps, for saying which one removed hosts or clashed: each
// prefilter, except that flavor_request and image_traits are one step per item.
struct QueryStep {
  std::string label;  // "prefilter viommu_model (hw:viommu_model=intel)", "flavor trait:X=required"
  const PlacementItem* item = nullptr;  // the item, for item steps (points into ctx.spec)
  std::function<void(PlacementQuery&)> apply;
};
std::vector<QueryStep> querySteps(const PrefilterContext& ctx);

// A trait both required and forbidden in one request group (the unnumbered one, or a
// numbered one, "... in request group 1", as Placement refuses them per group), or an
// any_of (required=in:A,B, e.g. hw:viommu_model=auto) whose every member is forbidden:
// InvalidArgument naming the trait(s) and the sources, keyed by the flavor or image item
// involved.
Status checkQueryConflicts(const RequestSpec& spec, const traits::TraitsConfig& traits);

}  // namespace stratus::scheduler
