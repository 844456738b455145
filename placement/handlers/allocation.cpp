// /allocations/{consumer}, POST /allocations and /resource_providers/{uuid}/allocations
// (Placement handlers/allocation.py).

#include "placement/consumer_body.h"
#include "placement/consumer_rules.h"
#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

using nlohmann::json;

Result<HttpResponse> PlacementService::writeConsumers(const HttpRequest&,
                                                      std::vector<ConsumerWrite> writes) {
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  // Every class and provider named must exist.
  for (const auto& w : writes) {
    for (const auto& [rp, amounts] : w.allocations) {
      for (const auto& [rc, n] : amounts) {
        if (!isResourceClass(rc)) {
          return Error::make(ErrorCode::kInvalidArgument,
                             "Unable to allocate inventory for consumer " + w.uuid +
                                 ": No such resource class " + rc + ".");
        }
      }
      if (!providers_.count(rp)) {
        return Error::make(ErrorCode::kInvalidArgument,
                           "Allocation for resource provider '" + rp + "' that does not exist.");
      }
    }
  }
  // Consumer generations (1.28+).
  for (const auto& w : writes) {
    auto it = consumers_.find(w.uuid);
    STRATUS_RETURN_IF_ERROR(
        checkConsumerGeneration(w, it == consumers_.end() ? nullptr : &it->second));
  }
  // Usage after the change: current, less what these consumers hold, plus what they want.
  std::map<std::pair<std::string, std::string>, std::int64_t> delta;
  std::set<std::string> touched;
  for (const auto& w : writes) {
    // Only providers that receive allocations get a new generation, as in Placement.
    if (auto it = consumers_.find(w.uuid); it != consumers_.end()) {
      for (const auto& [rp, amounts] : it->second.allocations) {
        for (const auto& [rc, n] : amounts) delta[{rp, rc}] -= n;
      }
    }
    for (const auto& [rp, amounts] : w.allocations) {
      touched.insert(rp);
      for (const auto& [rc, n] : amounts) delta[{rp, rc}] += n;
    }
  }
  for (const auto& w : writes) {
    for (const auto& [rp, amounts] : w.allocations) {
      const Provider& p = providers_.at(rp);
      for (const auto& [rc, n] : amounts) {
        auto inv = p.inventories.find(rc);
        STRATUS_RETURN_IF_ERROR(
            checkAllocationUnits(rp, rc, n, inv == p.inventories.end() ? nullptr : &inv->second));
        // Only a growing usage is held to capacity: a consumer may keep or shrink what
        // it holds on an inventory that was shrunk under it.
        if (delta[{rp, rc}] > 0) {
          STRATUS_RETURN_IF_ERROR(
              checkCapacity(rp, rc, used(rp, rc) + delta[{rp, rc}], inv->second));
        }
      }
    }
  }

  const std::int64_t now = this->now();
  std::vector<Consumer> consumers;
  std::vector<std::string> removed;
  for (auto& w : writes) {
    if (w.allocations.empty()) {
      if (consumers_.count(w.uuid)) removed.push_back(w.uuid);
      continue;
    }
    auto it = consumers_.find(w.uuid);
    consumers.push_back(
        nextConsumer(it == consumers_.end() ? nullptr : &it->second, std::move(w), now));
  }
  std::vector<Provider> providers;
  for (const auto& rp : touched) {
    if (!providers_.count(rp)) continue;
    Provider p = providers_.at(rp);
    ++p.generation;
    p.updated_at = now;
    providers.push_back(std::move(p));
  }
  WriteBatch b;
  for (const auto& c : consumers) b.put_consumers.push_back(&c);
  b.delete_consumers = removed;
  for (const auto& p : providers) b.put_providers.push_back(&p);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  for (auto& p : providers) applyProvider(std::move(p));
  for (const auto& u : removed) eraseConsumer(u);
  for (auto& c : consumers) applyConsumer(std::move(c));
  return emptyResponse(204);
}

Result<HttpResponse> PlacementService::getAllocations(const HttpRequest& r,
                                                      const PathParams& params) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  json allocs = json::object();
  json out;
  auto it = consumers_.find(canonicalUuid(params[0]));
  if (it != consumers_.end()) {
    for (const auto& [rp, amounts] : it->second.allocations) {
      json entry = {{"resources", amounts}};
      if (auto p = providers_.find(rp); p != providers_.end()) {
        entry["generation"] = p->second.generation;
      }
      allocs[rp] = entry;
    }
  }
  out["allocations"] = allocs;
  if (it != consumers_.end() && versionOf(r).atLeast(kAllocationsDict)) {
    out["project_id"] = it->second.project_id;
    out["user_id"] = it->second.user_id;
  }
  if (it != consumers_.end() && versionOf(r).atLeast(kConsumerGeneration)) {
    out["consumer_generation"] = it->second.generation;
  }
  if (it != consumers_.end() && versionOf(r).atLeast(kConsumerTypes)) {
    out["consumer_type"] =
        it->second.consumer_type.empty() ? std::string("unknown") : it->second.consumer_type;
  }
  auto res = jsonResponse(200, out);
  cacheHeaders(res, r, it != consumers_.end() ? it->second.updated_at : 0);
  return res;
}

Result<HttpResponse> PlacementService::putAllocations(const HttpRequest& r,
                                                      const PathParams& params) {
  if (!isUuid(params[0])) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Malformed consumer_uuid: '" + params[0] + "' is not a 'uuid'");
  }
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded()) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Malformed JSON: the request body is not valid JSON");
  }
  ConsumerWrite w;
  w.uuid = canonicalUuid(params[0]);
  if (auto e = parseConsumerBody(r, body, w, versionOf(r).atLeast(kConsumerGeneration));
      !e.empty()) {
    return Error::make(ErrorCode::kInvalidArgument, e);
  }
  return writeConsumers(r, {std::move(w)});
}

Result<HttpResponse> PlacementService::postAllocations(const HttpRequest& r, const PathParams&) {
  if (!versionOf(r).atLeast(kPostAllocations)) {
    return Error::make(ErrorCode::kMethodNotAllowed,
                       "The method specified is not allowed for this resource.");
  }
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded()) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Malformed JSON: the request body is not valid JSON");
  }
  if (!body.is_object() || body.empty()) {
    return Error::make(ErrorCode::kInvalidArgument, "JSON does not validate: " + pyRepr(body) +
                                                        " does not have enough properties");
  }
  std::vector<ConsumerWrite> writes;
  if (auto e = parseConsumerMap(r, body, writes); !e.empty())
    return Error::make(ErrorCode::kInvalidArgument, e);
  return writeConsumers(r, std::move(writes));
}

Result<HttpResponse> PlacementService::deleteAllocations(const HttpRequest& r,
                                                         const PathParams& params) {
  {
    auto lock = readLock();
    if (!lock) return lock.takeError();
    if (!consumers_.count(canonicalUuid(params[0]))) {
      return Error::make(ErrorCode::kNotFound, "No allocations for consumer '" + params[0] + "'");
    }
  }
  ConsumerWrite w;
  w.uuid = canonicalUuid(params[0]);
  return writeConsumers(r, {std::move(w)});
}

Result<HttpResponse> PlacementService::getProviderAllocations(const HttpRequest& r,
                                                              const PathParams& params) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  const std::string uuid = canonicalUuid(params[0]);
  auto it = providers_.find(uuid);
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  json allocs = json::object();
  if (auto c = consumers_of_.find(uuid); c != consumers_of_.end()) {
    for (const auto& consumer : c->second) {
      allocs[consumer] = {{"resources", consumers_.at(consumer).allocations.at(uuid)}};
    }
  }
  auto res = jsonResponse(
      200, {{"allocations", allocs}, {"resource_provider_generation", it->second.generation}});
  cacheHeaders(res, r, it->second.updated_at);
  return res;
}

}  // namespace stratus::placement
