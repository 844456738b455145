// PlacementService's life cycle and front door, and the in-memory model every
// handler (handlers/*.cpp) reads and writes: indexes, apply/erase, commit.
#include "placement/service.h"

#include <algorithm>
#include <mutex>

#include "common/http_status.h"
#include "placement/front_door.h"
#include "placement/json_schema.h"
#include "placement/service_util.h"
#include "traits/catalog.h"
#include "traits/resource_classes.h"

namespace stratus::placement {

PlacementService::PlacementService(std::unique_ptr<Store> store, ServiceOptions options,
                                   Clock& clock)
    : options_(std::move(options)), clock_(clock), store_(std::move(store)) {}

Result<std::unique_ptr<PlacementService>> PlacementService::create(std::unique_ptr<Store> store,
                                                                   ServiceOptions options,
                                                                   Clock& clock) {
  std::unique_ptr<PlacementService> s(
      new PlacementService(std::move(store), std::move(options), clock));
  STRATUS_RETURN_IF_ERROR(s->loadFromStore());
  ServiceOptions& o = s->options_;
  s->pipeline_ =
      std::make_unique<http::Pipeline>(placementFrontDoor(AuthConfig{o.auth, o.tokens}, o.log));
  s->pipeline_->add(s->routes());
  return s;
}

HttpResponse PlacementService::errorFor(int status, const std::string& detail) const {
  const ErrorCode code = status == 500 ? ErrorCode::kInternal : errorCodeForHttpStatus(status);
  return pipeline_->reject(Error::make(code, detail));
}

PlacementService::Counters PlacementService::counters() const {
  std::lock_guard lock(counters_mu_);
  return counters_;
}

HttpResponse PlacementService::handle(HttpRequest& r) {
  {
    std::lock_guard lock(counters_mu_);
    ++counters_.requests;
  }
  return pipeline_->handle(r);
}

bool PlacementService::isResourceClass(const std::string& name) const {
  const auto& std_classes = traits::standardResourceClasses();
  return std::find(std_classes.begin(), std_classes.end(), name) != std_classes.end() ||
         custom_classes_.count(name) != 0;
}

std::string PlacementService::classesInUse(
    const Provider& p, const std::function<bool(const std::string&)>& drop) const {
  const auto& std_classes = traits::standardResourceClasses();
  auto class_id = [&](const std::string& rc) -> std::int64_t {
    auto it = std::find(std_classes.begin(), std_classes.end(), rc);
    if (it != std_classes.end()) return it - std_classes.begin();
    auto c = custom_classes_.find(rc);
    return c == custom_classes_.end() ? kMaxInt : c->second;
  };
  std::vector<std::pair<std::int64_t, std::string>> in_use;
  for (const auto& [rc, inv] : p.inventories) {
    if (drop(rc) && used(p.uuid, rc) > 0) in_use.emplace_back(class_id(rc), rc);
  }
  std::sort(in_use.begin(), in_use.end());
  std::string out;
  for (const auto& [id, rc] : in_use) out += (out.empty() ? "" : ", ") + rc;
  return out;
}

bool PlacementService::traitExists(const std::string& name) const {
  return traits::isStandardTrait(name) || trait_order_.hasCustom(name);
}

const ResourceAmounts* PlacementService::usageOf(const std::string& rp) const {
  auto it = usage_.find(rp);
  return it == usage_.end() ? nullptr : &it->second;
}

std::int64_t PlacementService::used(const std::string& rp, const std::string& rc) const {
  auto it = usage_.find(rp);
  if (it == usage_.end()) return 0;
  auto u = it->second.find(rc);
  return u == it->second.end() ? 0 : u->second;
}

void PlacementService::applyProvider(Provider p) {
  auto existing = providers_.find(p.uuid);
  if (existing != providers_.end() && existing->second.name != p.name) {
    // Another provider may hold the old name already (caught up from another instance).
    auto named = by_name_.find(existing->second.name);
    if (named != by_name_.end() && named->second == p.uuid) by_name_.erase(named);
  }
  if (existing != providers_.end() && existing->second.root_uuid != p.root_uuid) {
    auto& old_tree = trees_[existing->second.root_uuid];
    old_tree.erase(p.uuid);
    if (old_tree.empty()) trees_.erase(existing->second.root_uuid);
  }
  trees_[p.root_uuid].insert(p.uuid);
  if (existing != providers_.end() && existing->second.root_uuid == p.uuid) {
    roots_by_age_.erase({existing->second.created_at, p.uuid});
  }
  if (p.traits.count("MISC_SHARES_VIA_AGGREGATE")) {
    sharing_.insert(p.uuid);
  } else {
    sharing_.erase(p.uuid);
  }
  by_name_[p.name] = p.uuid;
  indexTraits(p, trait_ids_);
  indexUsage(p);
  const std::string uuid = p.uuid;
  const bool is_root = p.root_uuid == p.uuid;
  const std::int64_t created_at = p.created_at;
  Provider& stored = providers_[uuid] = std::move(p);
  if (is_root) roots_by_age_[{created_at, uuid}] = RootRef{&stored, &trees_.at(uuid)};
}

void PlacementService::indexUsage(Provider& p) {
  const ResourceAmounts* usage = usageOf(p.uuid);
  indexRooms(p, usage, class_ids_);
  renderSummary(p, usage, trait_order_);
}

void PlacementService::reindexUsage(const std::string& rp) {
  if (auto it = providers_.find(rp); it != providers_.end()) indexUsage(it->second);
}

void PlacementService::eraseProvider(const std::string& uuid) {
  auto it = providers_.find(uuid);
  if (it == providers_.end()) return;
  auto named = by_name_.find(it->second.name);
  if (named != by_name_.end() && named->second == uuid) by_name_.erase(named);
  roots_by_age_.erase({it->second.created_at, uuid});
  sharing_.erase(uuid);
  auto tree = trees_.find(it->second.root_uuid);
  if (tree != trees_.end()) {
    tree->second.erase(uuid);
    if (tree->second.empty()) trees_.erase(tree);
  }
  providers_.erase(it);
  usage_.erase(uuid);
  consumers_of_.erase(uuid);
}

void PlacementService::applyConsumer(Consumer c) {
  eraseConsumer(c.uuid);
  for (const auto& [rp, amounts] : c.allocations) {
    for (const auto& [rc, n] : amounts) usage_[rp][rc] += n;
    consumers_of_[rp].insert(c.uuid);
    reindexUsage(rp);
  }
  consumers_[c.uuid] = std::move(c);
}

void PlacementService::eraseConsumer(const std::string& uuid) {
  auto it = consumers_.find(uuid);
  if (it == consumers_.end()) return;
  for (const auto& [rp, amounts] : it->second.allocations) {
    for (const auto& [rc, n] : amounts) {
      auto& u = usage_[rp][rc];
      u -= n;
      if (u == 0) usage_[rp].erase(rc);
    }
    consumers_of_[rp].erase(uuid);
    reindexUsage(rp);
  }
  consumers_.erase(it);
}

Result<HttpResponse> PlacementService::withProvider(const HttpRequest& r, const std::string& uuid,
                                                    const ProviderChange& change,
                                                    const ProviderReply& reply, bool bump) {
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(uuid));
  if (it == providers_.end()) return providerNotFound(r, uuid);
  Provider p = it->second;
  STRATUS_RETURN_IF_ERROR(change(p));
  if (bump) ++p.generation;
  p.updated_at = now();
  WriteBatch b;
  b.put_providers.push_back(&p);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  HttpResponse res = reply(p);
  applyProvider(std::move(p));
  return res;
}

Status PlacementService::commit(const WriteBatch& batch) {
  STRATUS_RETURN_IF_ERROR(store_->commit(batch));
  // The write lock held this instance at the database's sequence; this commit is the
  // next. When the answer to COMMIT is lost the sequence stays, and the next read
  // finds out from the log whether it happened.
  if (store_->shared() && !batch.empty()) applied_seq_.store(applied_seq_.load() + 1);
  std::lock_guard lock(counters_mu_);
  ++counters_.writes;
  return okStatus();
}

}  // namespace stratus::placement
