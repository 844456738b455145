#include "scheduler/prefilters.h"

#include "virt/viommu_rules.h"

namespace stratus::scheduler {

void resourcesPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  query.resources["VCPU"] = ctx.spec.flavor.vcpus;
  query.resources["MEMORY_MB"] = static_cast<std::int64_t>(ctx.spec.flavor.ram_mib);
  if (ctx.spec.flavor.disk_gib > 0) {
    query.resources["DISK_GB"] = static_cast<std::int64_t>(ctx.spec.flavor.disk_gib);
  }
}

void viommuModelPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  const virt::ViommuModel model = ctx.spec.guest.viommu.value;
  if (model == virt::ViommuModel::kNone) return;
  if (model != virt::ViommuModel::kAuto) {
    query.required.insert(ctx.traits.viommuTrait(virt::viommuTraitSuffix(model)));
    return;
  }
  if (!ctx.spec.guest.arch) {
    query.required.insert(ctx.traits.viommuTrait(virt::viommuTraitSuffix(model)));
    return;
  }
  std::vector<std::string> any;
  for (virt::ViommuModel m : virt::kConcreteViommuModels) {
    if (virt::checkModelFitsGuest(m, "", *ctx.spec.guest.arch, ctx.spec.machine_type).ok()) {
      any.push_back(ctx.traits.viommuTrait(virt::viommuTraitSuffix(m)));
    }
  }
  // buildRequestSpec already refused auto where no model fits; keep the query honest anyway.
  if (!any.empty()) query.any_of.push_back(std::move(any));
}

void archPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  if (!ctx.spec.guest.arch) return;
  const std::string trait = traits::archTrait(*ctx.spec.guest.arch);
  if (!trait.empty()) query.required.insert(trait);
}

void pageSizePrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  const auto& page = ctx.spec.guest.page_size;
  if (!page || page->value.kind != virt::PageSizeRequest::Kind::kExplicit) return;
  if (page->value.size_kib <= 4) return;  // small pages: every host has them
  query.required.insert(traits::pageSizeTrait(page->value.size_kib));
}

void disabledHostPrefilter(const PrefilterContext&, PlacementQuery& query) {
  query.forbidden.insert(std::string(traits::kStatusDisabled));
}

void pciDevicesPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  int number = static_cast<int>(query.groups.size());
  for (const auto& r : ctx.spec.pci.requests) {
    const std::string origin =
        std::string(pci::kFlavorPciAlias) + " " + r.alias + ":" + std::to_string(r.count);
    for (int i = 0; i < r.count; ++i) {
      RequestGroup g;
      g.number = ++number;
      g.resources[r.resource_class] = 1;
      g.required.insert(r.traits.begin(), r.traits.end());
      g.origin = origin;
      query.groups.push_back(std::move(g));
    }
  }
  query.group_policy = ctx.spec.group_policy;
}

void availabilityZonePrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  if (ctx.spec.availability_zone_member_of.empty()) return;
  query.member_of.push_back(ctx.spec.availability_zone_member_of);
}

const std::vector<Prefilter>& prefilters() {
  static const std::vector<Prefilter> list = {
      {"resources", resourcesPrefilter},
      {"viommu_model", viommuModelPrefilter},
      {"architecture", archPrefilter},
      {"mem_page_size", pageSizePrefilter},
      {"disabled_host", disabledHostPrefilter},
      {"pci_devices", pciDevicesPrefilter},
      {"availability_zone", availabilityZonePrefilter},
  };
  return list;
}

PlacementQuery buildPlacementQuery(const RequestSpec& spec, const traits::TraitsConfig& traits) {
  PlacementQuery query;
  const PrefilterContext ctx{spec, traits};
  for (const auto& p : prefilters()) p.apply(ctx, query);
  return query;
}

}  // namespace stratus::scheduler
