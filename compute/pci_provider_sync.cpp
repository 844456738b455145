#include "compute/pci_provider_sync.h"

#include "compute/provider_plan.h"
#include "pci/pci_providers.h"

namespace stratus::compute {
namespace {

using placement_client::Provider;

std::string inventoryText(const placement_client::Inventories& inventories) {
  std::string out;
  for (const auto& [rc, inv] : inventories) {
    if (!out.empty()) out += ", ";
    out += rc + " total=" + std::to_string(inv.total) + " reserved=" + std::to_string(inv.reserved);
  }
  return out;
}

// Worth a re-read and another attempt: a moved generation, or the provider gone
// between our read and our write (it is created again).
bool retryable(const Error& e) {
  return e.code == ErrorCode::kConflict || e.code == ErrorCode::kNotFound;
}

// Placement cannot be talked to now: the whole sync fails and is retried later.
bool fatal(const Error& e) {
  return e.code == ErrorCode::kUnavailable;
}

}  // namespace

Status PciProviderSync::readView(const Provider& provider) {
  auto it = views_.find(provider.uuid);
  if (it != views_.end() && it->second.generation == provider.generation) return okStatus();
  auto inventories = client_.getInventories(provider.uuid);
  if (!inventories) return inventories.takeError();
  auto traits = client_.getTraits(provider.uuid);
  if (!traits) return traits.takeError();
  if (inventories->generation != traits->generation) {
    return Error::make(ErrorCode::kConflict,
                       "provider " + provider.uuid + " changed while it was being read");
  }
  views_[provider.uuid] =
      View{traits->generation, std::move(inventories->inventories), std::move(traits->traits)};
  return okStatus();
}

Status PciProviderSync::syncOne(const std::string& root_uuid, const DesiredPciProvider& desired,
                                std::map<std::string, Provider>& tree, PciSyncReport& report) {
  const std::string& uuid = desired.uuid;
  const std::string who = "pci provider " + desired.name;
  std::string last_conflict;
  bool wrote = false;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) {
      auto current = client_.getProvider(uuid);
      if (!current) return current.takeError();
      views_.erase(uuid);
      if (*current) {
        tree[uuid] = std::move(**current);
      } else {
        tree.erase(uuid);
      }
    }
    auto it = tree.find(uuid);
    if (it == tree.end()) {
      beforeWrite();
      auto created = client_.createProvider(uuid, desired.name, root_uuid);
      if (!created) {
        if (fatal(created.error())) return created.takeError();
        if (created.error().code == ErrorCode::kConflict) {
          last_conflict = created.error().message;
          ++report.conflicts;
          continue;
        }
        // e.g. the name is taken by a provider that is not ours: leave it alone.
        report.warnings.push_back(who + " was not created: " + created.error().message);
        return okStatus();
      }
      it = tree.emplace(uuid, *created).first;
      views_[uuid] = View{created->generation, {}, {}};
      report.added.insert(desired.name);
    } else if (auto s = readView(it->second); !s) {
      if (!retryable(s.error())) return s.takeError();
      last_conflict = s.error().message;
      ++report.conflicts;
      continue;
    }
    View& view = views_[uuid];
    bool again = false;
    const placement_client::Inventories inventories =
        mergeInventories(view.inventories, desired.inventories, desired.owned_classes);
    if (view.inventories != inventories) {
      STRATUS_RETURN_IF_ERROR(client_.ensureNewResourceClasses(view.inventories, inventories));
      beforeWrite();
      auto gen = client_.putInventories(uuid, view.generation, inventories);
      if (!gen) {
        if (fatal(gen.error())) return gen.takeError();
        if (retryable(gen.error())) {
          last_conflict = gen.error().message;
          ++report.conflicts;
          continue;
        }
        // A shrink below what guests hold, for one: the old inventory stays until
        // they are gone, and each sync tries again.
        report.warnings.push_back(who + ": placement refused inventory " +
                                  inventoryText(desired.inventories) + ": " + gen.error().message);
      } else {
        view.generation = it->second.generation = *gen;
        view.inventories = inventories;
        wrote = true;
      }
    }
    if (view.traits != desired.traits) {
      for (const auto& t : desired.traits) {
        if (!view.traits.contains(t) && t.rfind("CUSTOM_", 0) == 0) {
          STRATUS_RETURN_IF_ERROR(client_.ensureTrait(t));
        }
      }
      beforeWrite();
      auto gen = client_.putTraits(uuid, view.generation, desired.traits);
      if (!gen) {
        if (fatal(gen.error())) return gen.takeError();
        if (retryable(gen.error())) {
          last_conflict = gen.error().message;
          ++report.conflicts;
          again = true;
        } else {
          report.warnings.push_back(who + ": placement refused its traits: " + gen.error().message);
        }
      } else {
        view.generation = it->second.generation = *gen;
        view.traits = desired.traits;
        wrote = true;
      }
    }
    if (again) continue;
    if (wrote && !report.added.contains(desired.name)) report.updated.insert(desired.name);
    return okStatus();
  }
  return Error::make(ErrorCode::kConflict,
                     who + ": gave up after " + std::to_string(kMaxAttempts) +
                         " generation conflicts in a row; last: " + last_conflict);
}

Status PciProviderSync::removeStale(const std::string& host, const Provider& provider,
                                    PciSyncReport& report) {
  const std::string address = pciAddressOfProviderName(host, provider.name);
  auto consumers = client_.getProviderConsumers(provider.uuid);
  if (!consumers) return consumers.takeError();
  std::string held;
  for (const auto& c : *consumers) held += (held.empty() ? "" : ", ") + c;
  if (held.empty()) {
    beforeWrite();
    auto s = client_.deleteProvider(provider.uuid);
    if (s) {
      views_.erase(provider.uuid);
      report.removed.insert(provider.name);
      return okStatus();
    }
    if (fatal(s.error())) return s;
    // An allocation made between our look and the delete: kept, and said so.
    held = "placement refused the delete (" + s.error().message + ")";
  } else {
    held = "held by consumer(s) " + held;
  }
  report.warnings.push_back("pci provider " + provider.name + " (device " + address +
                            ") is no longer on the host but is kept: " + held);
  return okStatus();
}

Result<PciSyncReport> PciProviderSync::sync(const std::string& host, const std::string& root_uuid,
                                            const std::vector<DesiredPciProvider>& desired) {
  PciSyncReport report;
  auto in_tree = client_.listProviders("in_tree=" + root_uuid);
  if (!in_tree) return in_tree.takeError();
  auto managed = client_.listProviders("in_tree=" + root_uuid +
                                       "&required=" + std::string(pci::kManagedPciTrait));
  if (!managed) return managed.takeError();
  std::map<std::string, Provider> tree;
  for (const auto& p : *in_tree) tree[p.uuid] = p;
  std::set<std::string> managed_uuids;
  for (const auto& p : *managed) managed_uuids.insert(p.uuid);

  std::set<std::string> wanted;
  for (const auto& d : desired) {
    wanted.insert(d.uuid);
    STRATUS_RETURN_IF_ERROR(syncOne(root_uuid, d, tree, report));
  }
  for (const auto& p : *in_tree) {
    if (p.parent_uuid != root_uuid || !managed_uuids.contains(p.uuid) || wanted.contains(p.uuid)) {
      continue;
    }
    STRATUS_RETURN_IF_ERROR(removeStale(host, p, report));
  }
  for (auto it = views_.begin(); it != views_.end();) {
    it = tree.contains(it->first) || wanted.contains(it->first) ? std::next(it) : views_.erase(it);
  }
  return report;
}

}  // namespace stratus::compute
