// How an instance's memory follows its store: the first load, and on a shared store
// (store.h) the changes other instances commit, caught up before reads and inside
// the database's write lock before writes.
#include <mutex>

#include "placement/service.h"

namespace stratus::placement {

Status PlacementService::loadFromStore() {
  auto snap = store_->load();
  if (!snap) return snap.takeError();
  trait_order_ = TraitOrder(snap->custom_traits);  // the providers' summaries use it
  for (auto& p : snap->providers) applyProvider(std::move(p));
  for (auto& c : snap->consumers) applyConsumer(std::move(c));
  custom_classes_ = std::move(snap->custom_resource_classes);
  classes_updated_at_ = now();
  applied_seq_.store(snap->seq);
  return okStatus();
}

void PlacementService::clearState() {
  providers_.clear();
  by_name_.clear();
  trait_order_ = TraitOrder();
  custom_classes_.clear();
  consumers_.clear();
  usage_.clear();
  roots_by_age_.clear();
  sharing_.clear();
  trees_.clear();
  consumers_of_.clear();
}

Status PlacementService::applyChanges(StoreChanges ch) {
  if (ch.reload) {
    clearState();
    return loadFromStore();
  }
  // Names a provider or consumer may refer to first, what refers to them next,
  // removals last: the same order a single instance changes memory in.
  if (!ch.put_resource_classes.empty() || !ch.delete_resource_classes.empty()) {
    classes_updated_at_ = now();
  }
  for (auto& [name, id] : ch.put_resource_classes) custom_classes_[name] = id;
  for (const auto& t : ch.put_traits) {
    if (!trait_order_.hasCustom(t)) trait_order_.addCustom(t);
  }
  for (auto& p : ch.put_providers) applyProvider(std::move(p));
  for (const auto& c : ch.delete_consumers) eraseConsumer(c);
  for (auto& c : ch.put_consumers) applyConsumer(std::move(c));
  for (const auto& p : ch.delete_providers) eraseProvider(p);
  for (const auto& t : ch.delete_traits) trait_order_.eraseCustom(t);
  for (const auto& name : ch.delete_resource_classes) custom_classes_.erase(name);
  applied_seq_.store(ch.seq);
  return okStatus();
}

Result<PlacementService::WriteLock> PlacementService::writeLock() {
  std::unique_lock lock(mu_);
  if (!store_->shared()) return WriteLock(*this, std::move(lock));
  auto changes = store_->beginWrite(applied_seq_.load());
  if (!changes) return changes.takeError();
  WriteLock write(*this, std::move(lock));  // from here on, an early return rolls back
  STRATUS_RETURN_IF_ERROR(applyChanges(std::move(*changes)));
  return write;
}

Result<std::shared_lock<std::shared_mutex>> PlacementService::readLock() {
  if (store_->shared()) {
    auto latest = store_->latestSeq();
    if (!latest) return latest.takeError();
    if (*latest > applied_seq_.load()) {
      std::unique_lock lock(mu_);
      if (*latest > applied_seq_.load()) {
        auto changes = store_->changesSince(applied_seq_.load());
        if (!changes) return changes.takeError();
        STRATUS_RETURN_IF_ERROR(applyChanges(std::move(*changes)));
      }
    }
  }
  return std::shared_lock(mu_);
}

}  // namespace stratus::placement
