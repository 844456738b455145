#include "scheduler/prefilters.h"

#include <algorithm>

#include "virt/smmu_topology.h"
#include "virt/viommu_rules.h"

namespace stratus::scheduler {
namespace {

RequestGroup& groupFor(PlacementQuery& query, const std::string& suffix) {
  for (auto& g : query.groups) {
    if (g.suffix == suffix) return g;
  }
  RequestGroup g;
  g.suffix = suffix;
  query.groups.push_back(std::move(g));
  return query.groups.back();
}

bool suffixTaken(const PlacementQuery& query, const std::string& suffix) {
  return std::any_of(query.groups.begin(), query.groups.end(),
                     [&](const RequestGroup& g) { return g.suffix == suffix; });
}

// The setting behind a prefilter, for conflict messages.
std::string prefilterLabel(std::string_view name, const RequestSpec& spec) {
  std::string label = "prefilter " + std::string(name);
  if (name == "viommu_model") {
    label += " (" + spec.guest.viommu.key + "=" + spec.guest.viommu.raw + ")";
  } else if (name == "architecture" && spec.guest.arch) {
    label += " (" + std::string(virt::kImageArch) + "=" + *spec.guest.arch + ")";
  } else if (name == "mem_page_size" && spec.guest.page_size) {
    label += " (" + spec.guest.page_size->key + "=" + spec.guest.page_size->raw + ")";
  } else if (name == "disabled_host") {
    label += " (disabled hosts take no new servers)";
  } else if (name == "forced_host" && !spec.forced_host.empty()) {
    label += " (host " + spec.forced_host + ")";
  }
  return label;
}

}  // namespace

void applyPlacementItem(const PlacementItem& item, const std::string& group_policy,
                        PlacementQuery& query) {
  using Kind = PlacementItem::Kind;
  if (item.suffix.empty()) {
    switch (item.kind) {
      case Kind::kResource:
        if (item.amount == 0) {
          query.resources.erase(item.name);
        } else {
          query.resources[item.name] = item.amount;
        }
        break;
      case Kind::kRequired:
        query.required.insert(item.name);
        break;
      case Kind::kForbidden:
        query.forbidden.insert(item.name);
        break;
      case Kind::kMemberOf:
        query.member_of.push_back(item.name);
        break;
    }
    return;
  }
  RequestGroup& g = groupFor(query, item.suffix);
  switch (item.kind) {
    case Kind::kResource:
      g.resources[item.name] = item.amount;
      break;
    case Kind::kRequired:
      g.required.insert(item.name);
      break;
    case Kind::kForbidden:
      g.forbidden.insert(item.name);
      break;
    case Kind::kMemberOf:
      g.member_of.push_back(item.name);
      break;
  }
  query.group_policy = group_policy;
}

void resourcesPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  query.resources["VCPU"] = ctx.spec.flavor.vcpus;
  query.resources["MEMORY_MB"] = static_cast<std::int64_t>(ctx.spec.flavor.ram_mib);
  if (ctx.spec.flavor.disk_gib > 0) {
    query.resources["DISK_GB"] = static_cast<std::int64_t>(ctx.spec.flavor.disk_gib);
  }
  for (const auto& item : ctx.spec.placement.items) {
    if (item.overridesFlavorAmount()) applyPlacementItem(item, ctx.spec.group_policy, query);
  }
}

void flavorRequestPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  for (const auto& item : ctx.spec.placement.items) {
    if (!item.from_image && !item.overridesFlavorAmount())
      applyPlacementItem(item, ctx.spec.group_policy, query);
  }
}

void imageTraitsPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  for (const auto& item : ctx.spec.placement.items) {
    if (item.from_image) applyPlacementItem(item, ctx.spec.group_policy, query);
  }
}

void viommuModelPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  const virt::ViommuModel model = ctx.spec.guest.viommu.value;
  // hw:viommu_accel=true (parseGuestRequest allowed it only with smmuv3).
  if (ctx.spec.guest.viommu_accel && ctx.spec.guest.viommu_accel->value) {
    query.required.insert(std::string(virt::kSmmuv3AccelTrait));
  }
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
  int number = 0;
  for (const auto& r : ctx.spec.pci.requests) {
    const std::string origin =
        std::string(pci::kFlavorPciAlias) + " " + r.alias + ":" + std::to_string(r.count);
    for (int i = 0; i < r.count; ++i) {
      RequestGroup g;
      do {
        g.suffix = std::to_string(++number);
      } while (suffixTaken(query, g.suffix));
      g.resources[r.resource_class] = 1;
      g.required.insert(r.traits.begin(), r.traits.end());
      g.origin = origin;
      query.groups.push_back(std::move(g));
    }
  }
  query.group_policy = ctx.spec.group_policy;
}

void forcedHostPrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  query.in_tree = ctx.spec.forced_host_provider;
}

void availabilityZonePrefilter(const PrefilterContext& ctx, PlacementQuery& query) {
  if (ctx.spec.availability_zone_member_of.empty()) return;
  query.member_of.push_back(ctx.spec.availability_zone_member_of);
}

const std::vector<Prefilter>& prefilters() {
  static const std::vector<Prefilter> list = {
      {"resources", resourcesPrefilter},
      {"flavor_request", flavorRequestPrefilter},
      {"image_traits", imageTraitsPrefilter},
      {"viommu_model", viommuModelPrefilter},
      {"architecture", archPrefilter},
      {"mem_page_size", pageSizePrefilter},
      {"disabled_host", disabledHostPrefilter},
      {"pci_devices", pciDevicesPrefilter},
      {"availability_zone", availabilityZonePrefilter},
      {"forced_host", forcedHostPrefilter},
  };
  return list;
}

PlacementQuery buildPlacementQuery(const RequestSpec& spec, const traits::TraitsConfig& traits) {
  PlacementQuery query;
  const PrefilterContext ctx{spec, traits};
  for (const auto& p : prefilters()) p.apply(ctx, query);
  return query;
}

std::vector<QueryStep> querySteps(const PrefilterContext& ctx) {
  std::vector<QueryStep> steps;
  for (const auto& p : prefilters()) {
    const bool flavor = p.apply == flavorRequestPrefilter;
    if (flavor || p.apply == imageTraitsPrefilter) {
      for (const auto& item : ctx.spec.placement.items) {
        if (item.from_image == flavor || item.overridesFlavorAmount()) continue;
        steps.push_back({item.label(), &item, [&item, &ctx](PlacementQuery& q) {
                           applyPlacementItem(item, ctx.spec.group_policy, q);
                         }});
      }
      continue;
    }
    const PrefilterFn fn = p.apply;
    steps.push_back(
        {prefilterLabel(p.name, ctx.spec), nullptr, [fn, &ctx](PlacementQuery& q) { fn(ctx, q); }});
  }
  return steps;
}

namespace {

Error conflictError(const QueryStep* req, const QueryStep* forb, const std::string& why) {
  const QueryStep* blame = forb->item ? forb : req->item ? req : nullptr;
  if (!blame) return Error::make(ErrorCode::kInvalidArgument, why);
  return Error::invalid(blame->item->key, blame->item->value,
                        "a trait that is not also " +
                            std::string(blame == forb ? "required" : "forbidden") +
                            " elsewhere: drop one of the two",
                        why);
}

}  // namespace

Status checkQueryConflicts(const RequestSpec& spec, const traits::TraitsConfig& traits) {
  const PrefilterContext ctx{spec, traits};
  const std::vector<QueryStep> steps = querySteps(ctx);
  // Which step first asked for each trait, each way, per request group ("" the
  // unnumbered one): Placement refuses a trait required and forbidden in one group.
  using Key = std::pair<std::string, std::string>;  // group suffix, trait
  std::map<Key, const QueryStep*> required_by, forbidden_by;
  std::map<std::size_t, const QueryStep*> any_of_by;  // index in query.any_of
  PlacementQuery query;
  for (const auto& step : steps) {
    step.apply(query);
    for (const auto& t : query.required) required_by.emplace(Key{"", t}, &step);
    for (const auto& t : query.forbidden) forbidden_by.emplace(Key{"", t}, &step);
    for (const auto& g : query.groups) {
      for (const auto& t : g.required) required_by.emplace(Key{g.suffix, t}, &step);
      for (const auto& t : g.forbidden) forbidden_by.emplace(Key{g.suffix, t}, &step);
    }
    for (std::size_t i = 0; i < query.any_of.size(); ++i) any_of_by.emplace(i, &step);
  }
  for (const auto& [key, req] : required_by) {
    auto f = forbidden_by.find(key);
    if (f == forbidden_by.end()) continue;
    const auto& [group, trait] = key;
    const std::string where = group.empty() ? "" : " in request group " + group;
    return conflictError(req, f->second,
                         trait + " would be both required, by " + req->label +
                             ", and forbidden, by " + f->second->label + where);
  }
  // required=in:A,B with A and B both forbidden: no provider could ever match.
  for (const auto& [i, req] : any_of_by) {
    const auto& members = query.any_of[i];
    const QueryStep* forb = nullptr;
    std::string names, forbidders;
    bool all = !members.empty();
    for (const auto& t : members) {
      names += (names.empty() ? "" : "|") + t;
      auto f = forbidden_by.find(Key{"", t});
      if (f == forbidden_by.end()) {
        all = false;
        break;
      }
      if (!forb || (!forb->item && f->second->item)) forb = f->second;
      forbidders += (forbidders.empty() ? "" : ", ") + t + " by " + f->second->label;
    }
    if (!all) continue;
    return conflictError(req, forb,
                         "one of " + names + " would be required, by " + req->label +
                             ", and every one is forbidden (" + forbidders + ")");
  }
  return okStatus();
}

}  // namespace stratus::scheduler
