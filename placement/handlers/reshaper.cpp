// POST /reshaper (Placement handlers/reshaper.py).

#include "placement/consumer_rules.h"
#include "placement/inventory_body.h"
#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

using nlohmann::json;

// POST /reshaper (1.30): inventories and allocations replaced together, so a
// provider's resources can move to its children without a window where the
// allocations point at nothing.
Result<HttpResponse> PlacementService::reshape(const HttpRequest& r, const PathParams&) {
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded()) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Malformed JSON: the request body is not valid JSON");
  }
  ObjectSchema schema;
  schema.fields["inventories"] = SchemaField(SchemaField::Type::kObject, true);
  schema.fields["allocations"] = SchemaField(SchemaField::Type::kObject, true);
  if (auto e = validateObject(body, schema)) return Error::make(ErrorCode::kInvalidArgument, *e);

  // Parse everything before looking at state.
  struct InventoryWrite {
    std::string uuid;
    std::int64_t generation = 0;
    std::map<std::string, Inventory> inventories;
  };
  std::vector<InventoryWrite> inv_writes;
  ObjectSchema inv_schema;
  inv_schema.fields["inventories"] = SchemaField(SchemaField::Type::kObject, true);
  inv_schema.fields["resource_provider_generation"] =
      SchemaField(SchemaField::Type::kInteger, true);
  for (const auto& [rp, entry] : body["inventories"].items()) {
    if (!isUuid(rp)) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "JSON does not validate: '" + rp + "' does not match any of the regexes");
    }
    if (auto e = validateObject(entry, inv_schema))
      return Error::make(ErrorCode::kInvalidArgument, *e);
    InventoryWrite w;
    w.uuid = canonicalUuid(rp);
    w.generation = entry["resource_provider_generation"];
    for (const auto& [rc, rec] : entry["inventories"].items()) {
      if (auto e = validateObject(rec, inventorySchema(false, false))) {
        return Error::make(ErrorCode::kInvalidArgument, *e);
      }
      w.inventories[rc] = inventoryFrom(rec);
    }
    inv_writes.push_back(std::move(w));
  }
  std::vector<ConsumerWrite> consumer_writes;
  if (auto e = parseConsumerMap(r, body["allocations"], consumer_writes); !e.empty()) {
    return Error::make(ErrorCode::kInvalidArgument, e);
  }

  auto lock = writeLock();

  if (!lock) return lock.takeError();
  const std::int64_t now = this->now();
  std::map<std::string, Provider> next_providers;
  for (const auto& w : inv_writes) {
    auto it = providers_.find(w.uuid);
    if (it == providers_.end()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "No resource provider with uuid " + w.uuid + " found",
                         kCodeProviderNotFound);
    }
    if (it->second.generation != w.generation) {
      return Error::make(ErrorCode::kConflict,
                         "resource provider generation conflict for provider " + w.uuid +
                             " (actual: " + std::to_string(it->second.generation) +
                             ", given: " + std::to_string(w.generation) + ")",
                         kCodeConcurrent);
    }
    for (const auto& [rc, i] : w.inventories) {
      if (!isResourceClass(rc))
        return Error::make(ErrorCode::kInvalidArgument, "No such resource class " + rc + ".");
      if (i.reserved > i.total || i.min_unit > i.max_unit) {
        return Error::make(ErrorCode::kInvalidArgument,
                           "Unable to update inventory for resource provider " + w.uuid +
                               ": Invalid inventory for '" + rc + "'.");
      }
    }
    Provider p = it->second;
    p.inventories = w.inventories;
    // Placement writes a reshaped inventory twice (merged, then final): two generations.
    p.generation += 2;
    p.updated_at = now;
    next_providers[p.uuid] = std::move(p);
  }
  auto providerAfter = [&](const std::string& u) -> const Provider* {
    if (auto it = next_providers.find(u); it != next_providers.end()) return &it->second;
    auto it = providers_.find(u);
    return it == providers_.end() ? nullptr : &it->second;
  };
  // Consumers: generations, then the usage the whole reshape leaves behind.
  std::map<std::pair<std::string, std::string>, std::int64_t> usage;
  std::set<std::pair<std::string, std::string>> touched;  // (provider, class) newly allocated
  for (const auto& [rp, amounts] : usage_) {
    for (const auto& [rc, n] : amounts) usage[{rp, rc}] = n;
  }
  for (const auto& w : consumer_writes) {
    auto it = consumers_.find(w.uuid);
    STRATUS_RETURN_IF_ERROR(
        checkConsumerGeneration(w, it == consumers_.end() ? nullptr : &it->second));
    if (it != consumers_.end()) {
      for (const auto& [rp, amounts] : it->second.allocations) {
        for (const auto& [rc, n] : amounts) usage[{rp, rc}] -= n;
      }
    }
  }
  for (const auto& w : consumer_writes) {
    for (const auto& [rp, amounts] : w.allocations) {
      if (!providerAfter(rp)) {
        return Error::make(ErrorCode::kInvalidArgument,
                           "Allocation for resource provider '" + rp + "' that does not exist.");
      }
      for (const auto& [rc, n] : amounts) {
        if (!isResourceClass(rc)) {
          return Error::make(ErrorCode::kInvalidArgument, "No such resource class " + rc + ".");
        }
        usage[{rp, rc}] += n;
        touched.insert({rp, rc});
      }
    }
  }
  // Each new allocation must fit the unit rules of the inventory it lands on.
  for (const auto& w : consumer_writes) {
    for (const auto& [rp, amounts] : w.allocations) {
      const Provider* p = providerAfter(rp);
      for (const auto& [rc, n] : amounts) {
        auto inv = p->inventories.find(rc);
        STRATUS_RETURN_IF_ERROR(
            checkAllocationUnits(rp, rc, n, inv == p->inventories.end() ? nullptr : &inv->second));
      }
    }
  }
  for (const auto& [key, n] : usage) {
    if (n <= 0 || !touched.count(key)) continue;
    const Provider* p = providerAfter(key.first);
    if (p == nullptr) continue;
    auto inv = p->inventories.find(key.second);
    // The unit check above has already refused a new allocation without inventory.
    if (inv == p->inventories.end()) {
      return checkAllocationUnits(key.first, key.second, n, nullptr).takeError();
    }
    STRATUS_RETURN_IF_ERROR(checkCapacity(key.first, key.second, n, inv->second));
  }
  // What other consumers hold must still have inventory under it.
  for (const auto& [key, n] : usage) {
    if (n <= 0) continue;
    const Provider* p = providerAfter(key.first);
    if (p != nullptr && !p->inventories.count(key.second)) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "update conflict: Inventory for '" + key.second +
                             "' on resource provider '" + key.first + "' in use.",
                         kCodeInventoryInUse);
    }
  }
  std::vector<Consumer> consumers;
  std::vector<std::string> removed;
  std::set<std::string> receiving;  // providers that get allocations: one generation each
  for (auto& w : consumer_writes) {
    if (w.allocations.empty()) {
      if (consumers_.count(w.uuid)) removed.push_back(w.uuid);
      continue;
    }
    auto it = consumers_.find(w.uuid);
    Consumer c = nextConsumer(it == consumers_.end() ? nullptr : &it->second, std::move(w), now);
    for (const auto& [rp, amounts] : c.allocations) receiving.insert(rp);
    consumers.push_back(std::move(c));
  }
  for (const auto& rp : receiving) {
    if (!next_providers.count(rp)) next_providers[rp] = providers_.at(rp);
    ++next_providers[rp].generation;
    next_providers[rp].updated_at = now;
  }
  WriteBatch b;
  for (const auto& [u, p] : next_providers) b.put_providers.push_back(&p);
  for (const auto& c : consumers) b.put_consumers.push_back(&c);
  b.delete_consumers = removed;
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  for (auto& [u, p] : next_providers) applyProvider(std::move(p));
  for (const auto& u : removed) eraseConsumer(u);
  for (auto& c : consumers) applyConsumer(std::move(c));
  return emptyResponse(204);
}

}  // namespace stratus::placement
