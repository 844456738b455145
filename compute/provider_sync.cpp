#include "compute/provider_sync.h"

namespace stratus::compute {

Status ProviderSync::findOrCreate(const std::string& name, SyncReport& report) {
  auto found = client_.findProviderByName(name);
  if (!found) return found.takeError();
  if (*found) {
    view_ = View{std::move(**found), {}, {}, true};
    report.adopted = true;
    return okStatus();
  }
  auto created = client_.createProvider(providerUuidFor(name), name);
  if (!created) {
    // Another writer created it between our lookup and our POST: adopt theirs.
    if (created.error().code == ErrorCode::kAlreadyExists) {
      auto again = client_.findProviderByName(name);
      if (again && *again) {
        view_ = View{std::move(**again), {}, {}, true};
        report.adopted = true;
        return okStatus();
      }
    }
    return created.takeError();
  }
  // A new provider has no inventories and no traits: nothing to read.
  view_ = View{std::move(*created), {}, {}, false};
  report.created = true;
  return okStatus();
}

Status ProviderSync::readDetails() {
  auto inventories = client_.getInventories(view_->provider.uuid);
  if (!inventories) return inventories.takeError();
  auto traits = client_.getTraits(view_->provider.uuid);
  if (!traits) return traits.takeError();
  // A write between the two reads makes them disagree; the next attempt reads again.
  if (inventories->generation != traits->generation) {
    return Error::make(ErrorCode::kConflict,
                       "provider " + view_->provider.uuid + " changed while it was being read");
  }
  view_->provider.generation = traits->generation;
  view_->inventories = std::move(inventories->inventories);
  view_->traits = std::move(traits->traits);
  view_->stale = false;
  return okStatus();
}

Status ProviderSync::refresh(const std::string& name, SyncReport& report) {
  if (view_) {
    auto current = client_.getProvider(view_->provider.uuid);
    if (!current) return current.takeError();
    if (!*current) {
      view_.reset();  // deleted behind our back, or placement lost its data
    } else if ((*current)->generation != view_->provider.generation) {
      view_->provider = std::move(**current);
      view_->stale = true;
    }
  }
  if (!view_) STRATUS_RETURN_IF_ERROR(findOrCreate(name, report));
  if (view_->stale) STRATUS_RETURN_IF_ERROR(readDetails());
  return okStatus();
}

Result<SyncReport> ProviderSync::sync(const DesiredProvider& desired) {
  SyncReport report;
  std::string last_conflict;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (auto s = refresh(desired.name, report); !s) {
      if (s.error().code != ErrorCode::kConflict) return s.takeError();
      last_conflict = s.error().message;
      ++report.conflicts;
      continue;
    }
    View& view = *view_;
    const std::string& uuid = view.provider.uuid;

    // Merged against what placement has now, so a class someone else added between
    // two syncs is kept by the very PUT that might otherwise wipe it.
    const placement_client::Inventories inventories =
        mergeInventories(view.inventories, desired.inventories, desired.owned_classes);
    if (view.inventories != inventories) {
      STRATUS_RETURN_IF_ERROR(client_.ensureNewResourceClasses(view.inventories, inventories));
      if (before_write) before_write();
      auto gen = client_.putInventories(uuid, view.provider.generation, inventories);
      if (!gen) {
        if (gen.error().code != ErrorCode::kConflict) return gen.takeError();
        last_conflict = gen.error().message;
        ++report.conflicts;
        view.stale = true;
        continue;
      }
      view.provider.generation = *gen;
      view.inventories = inventories;
      report.inventories_written = true;
    }

    const std::set<std::string> wanted =
        mergeTraits(view.traits, desired.traits, traits_, desired.owned_traits);
    if (wanted != view.traits) {
      for (const auto& t : wanted) {
        if (!view.traits.contains(t) && t.rfind("CUSTOM_", 0) == 0) {
          STRATUS_RETURN_IF_ERROR(client_.ensureTrait(t));
        }
      }
      if (before_write) before_write();
      auto gen = client_.putTraits(uuid, view.provider.generation, wanted);
      if (!gen) {
        if (gen.error().code != ErrorCode::kConflict) return gen.takeError();
        last_conflict = gen.error().message;
        ++report.conflicts;
        view.stale = true;
        continue;
      }
      for (const auto& t : wanted) {
        if (!view.traits.contains(t)) report.traits_added.insert(t);
      }
      for (const auto& t : view.traits) {
        if (!wanted.contains(t)) report.traits_removed.insert(t);
      }
      view.provider.generation = *gen;
      view.traits = wanted;
      report.traits_written = true;
    }
    return report;
  }
  return Error::make(ErrorCode::kConflict,
                     "gave up after " + std::to_string(kMaxAttempts) +
                         " generation conflicts in a row; last: " + last_conflict);
}

}  // namespace stratus::compute
