// Allocations per consumer, POST /allocations for several at once, and usages.
#include <algorithm>
#include <cctype>
#include <mutex>

#include "placement/inventory_body.h"
#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {
namespace {

using nlohmann::json;

// `mappings` (1.34): request group suffix -> providers that served it. Kept by
// nobody, but checked as Placement's schema checks it; empty or the 400 detail.
std::string mappingsProblem(const json& mappings) {
  if (mappings.empty()) {
    return "JSON does not validate: {} does not have enough properties\n\nFailed validating "
           "'minProperties' in schema['properties']['mappings']";
  }
  for (const auto& [suffix, providers] : mappings.items()) {
    // Placement's pattern is unanchored: only keys with no suffix character at all escape it.
    const bool suffix_like = std::any_of(suffix.begin(), suffix.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
    if (!suffix_like) continue;
    if (!providers.is_array()) {
      return "JSON does not validate: " + pyRepr(providers) + " is not of type 'array'";
    }
    if (providers.empty()) {
      return "JSON does not validate: [] is too short\n\nFailed validating 'minItems' in "
             "schema['properties']['mappings']";
    }
    for (const auto& u : providers) {
      if (!u.is_string())
        return "JSON does not validate: " + pyRepr(u) + " is not of type 'string'";
      if (!isUuid(u.get<std::string>())) {
        return "JSON does not validate: " + pyRepr(u) + " is not a 'uuid'";
      }
    }
  }
  return {};
}

// Parses one consumer's body; empty on success, else the 400 detail.
std::string parseConsumerBody(const HttpRequest& r, const json& body, ConsumerWrite& out,
                              bool allow_empty) {
  using T = SchemaField::Type;
  ObjectSchema schema;
  schema.fields["allocations"] =
      SchemaField(versionOf(r).atLeast(kAllocationsDict) ? T::kObject : T::kArray, true);
  if (versionOf(r).atLeast(kAllocationOwner)) {
    schema.fields["project_id"] = SchemaField(T::kString, true).length(1, 255);
    schema.fields["user_id"] = SchemaField(T::kString, true).length(1, 255);
  }
  if (versionOf(r).atLeast(kConsumerGeneration))
    schema.fields["consumer_generation"] = SchemaField(T::kAny, true);
  if (versionOf(r).atLeast(kMappings)) schema.fields["mappings"] = SchemaField(T::kObject, false);
  if (versionOf(r).atLeast(kConsumerTypes))
    schema.fields["consumer_type"] = SchemaField(T::kString, true).length(1, 255);
  if (auto e = validateObject(body, schema)) return *e;
  if (body.contains("mappings")) {
    if (auto e = mappingsProblem(body["mappings"]); !e.empty()) return e;
  }

  const auto& allocs = body["allocations"];
  if (allocs.empty() && !allow_empty) {
    return allocs.is_array()
               ? "JSON does not validate: [] is too short\n\nFailed validating 'minItems' in schema"
               : "JSON does not validate: {} does not have enough properties\n\nFailed "
                 "validating 'minProperties' in schema";
  }
  auto addResources = [&](const std::string& rp, const json& resources) -> std::string {
    if (!resources.is_object() || resources.empty()) {
      return "JSON does not validate: " + pyRepr(resources) +
             " does not have enough properties\n\nFailed validating 'minProperties' in schema";
    }
    for (const auto& [rc, n] : resources.items()) {
      const bool name_ok = !rc.empty() && std::all_of(rc.begin(), rc.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!name_ok) {
        return "JSON does not validate: '" + rc +
               "' does not match any of the regexes: "
               "'^[A-Z0-9_]+$'\n\nFailed validating 'additionalProperties' in schema";
      }
      if (!n.is_number_integer()) {
        return "JSON does not validate: " + pyRepr(n) + " is not of type 'integer'";
      }
      if (n.get<std::int64_t>() < 1) {
        return "JSON does not validate: " + pyRepr(n) +
               " is less than the minimum of 1\n\nFailed validating 'minimum' in schema";
      }
      out.allocations[rp][rc] = n.get<std::int64_t>();
    }
    return {};
  };
  if (allocs.is_array()) {
    for (const auto& a : allocs) {
      if (!a.is_object() || !a.contains("resource_provider") || !a.contains("resources") ||
          !a["resource_provider"].is_object() || !a["resource_provider"].contains("uuid") ||
          !a["resource_provider"]["uuid"].is_string()) {
        return "JSON does not validate: 'resource_provider' is a required property\n\nFailed "
               "validating 'required' in schema";
      }
      const std::string rp = a["resource_provider"]["uuid"];
      if (!isUuid(rp)) return "JSON does not validate: '" + rp + "' is not a 'uuid'";
      if (auto e = addResources(canonicalUuid(rp), a["resources"]); !e.empty()) return e;
    }
  } else {
    for (const auto& [rp, a] : allocs.items()) {
      if (!isUuid(rp)) {
        return "JSON does not validate: '" + rp + "' does not match any of the regexes";
      }
      if (!a.is_object() || !a.contains("resources")) {
        return "JSON does not validate: 'resources' is a required property\n\nFailed validating "
               "'required' in schema";
      }
      for (const auto& [k, v] : a.items()) {
        if (k != "resources" && k != "generation") {
          return "JSON does not validate: Additional properties are not allowed ('" + k +
                 "' was unexpected)";
        }
      }
      if (auto e = addResources(canonicalUuid(rp), a["resources"]); !e.empty()) return e;
    }
  }
  out.project_id = body.value("project_id", std::string());
  out.user_id = body.value("user_id", std::string());
  out.consumer_type = body.value("consumer_type", std::string());
  if (!out.consumer_type.empty()) {
    for (char c : out.consumer_type) {
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
        return "JSON does not validate: '" + out.consumer_type +
               "' does not match '^[A-Z0-9_]+$'\n\nFailed validating 'pattern' in schema";
      }
    }
  }
  if (versionOf(r).atLeast(kConsumerGeneration)) {
    out.check_generation = true;
    const auto& g = body["consumer_generation"];
    if (g.is_number_integer()) {
      out.generation = g.get<std::int64_t>();
    } else if (!g.is_null()) {
      return "JSON does not validate: " + pyRepr(g) + " is not of type 'integer', 'null'";
    }
  }
  return {};
}

// {consumer uuid: body, ...} as POST /allocations and the reshaper take it; an
// empty allocations object removes that consumer's allocations at any version.
std::string parseConsumerMap(const HttpRequest& r, const json& map,
                             std::vector<ConsumerWrite>& out) {
  for (const auto& [consumer, item] : map.items()) {
    if (!isUuid(consumer)) {
      return "JSON does not validate: '" + consumer + "' does not match any of the regexes";
    }
    ConsumerWrite w;
    w.uuid = canonicalUuid(consumer);
    if (auto e = parseConsumerBody(r, item, w, true); !e.empty()) return e;
    out.push_back(std::move(w));
  }
  return {};
}

}  // namespace

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
    if (!w.check_generation) continue;
    auto it = consumers_.find(w.uuid);
    if (it == consumers_.end()) {
      if (w.generation) {
        return Error::make(
            ErrorCode::kConflict,
            "consumer generation conflict - expected null but got " + std::to_string(*w.generation),
            kCodeConcurrent);
      }
    } else if (!w.generation || *w.generation != it->second.generation) {
      return Error::make(ErrorCode::kConflict,
                         "consumer generation conflict - expected " +
                             std::to_string(it->second.generation) + " but got " +
                             (w.generation ? std::to_string(*w.generation) : "None"),
                         kCodeConcurrent);
    }
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
        if (inv == p.inventories.end()) {
          return Error::make(ErrorCode::kFailedPrecondition,
                             "Unable to allocate inventory: Inventory for '" + rc +
                                 "' on resource provider '" + rp + "' invalid.");
        }
        const Inventory& i = inv->second;
        if (n < i.min_unit || n > i.max_unit || n % i.step_size != 0) {
          return Error::make(ErrorCode::kFailedPrecondition,
                             "Unable to allocate inventory: Unable to create allocation for '" +
                                 rc + "' on resource provider '" + rp +
                                 "'. The requested amount would violate "
                                 "inventory constraints.");
        }
        const std::int64_t after = used(rp, rc) + delta[{rp, rc}];
        if (delta[{rp, rc}] > 0 && after > i.capacity()) {
          return Error::make(ErrorCode::kFailedPrecondition,
                             "Unable to allocate inventory: Unable to create allocation for '" +
                                 rc + "' on resource provider '" + rp +
                                 "'. The requested amount would exceed the capacity.");
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
    Consumer c;
    auto it = consumers_.find(w.uuid);
    if (it != consumers_.end()) {
      c = it->second;
      ++c.generation;
    } else {
      c.uuid = w.uuid;
      c.generation = 1;
      c.created_at = now;
    }
    c.allocations = std::move(w.allocations);
    // Before 1.8 no project or user is given; Placement records placeholders.
    const std::string incomplete = "00000000-0000-0000-0000-000000000000";
    c.project_id =
        !w.project_id.empty() ? w.project_id : (c.project_id.empty() ? incomplete : c.project_id);
    c.user_id = !w.user_id.empty() ? w.user_id : (c.user_id.empty() ? incomplete : c.user_id);
    if (!w.consumer_type.empty()) c.consumer_type = w.consumer_type;
    c.updated_at = now;
    consumers.push_back(std::move(c));
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

Result<HttpResponse> PlacementService::getUsages(const HttpRequest& r, const PathParams&) {
  if (!versionOf(r).atLeast(kUsagesApi))
    return Error::make(ErrorCode::kNotFound, "The resource could not be found.");
  std::set<std::string> allowed = {"project_id", "user_id"};
  if (versionOf(r).atLeast(kConsumerTypes)) allowed.insert("consumer_type");
  STRATUS_RETURN_IF_ERROR(rejectUnknownQuery(r, allowed));
  auto project = r.queryOne("project_id");
  if (!project) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Invalid query string parameters: 'project_id' is a required "
                       "property");
  }
  auto user = r.queryOne("user_id");
  auto type = r.queryOne("consumer_type");
  for (const auto& [name, value] : {std::pair{"project_id", project}, std::pair{"user_id", user}}) {
    if (value && (value->empty() || value->size() > 255)) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Invalid query string parameters: '" + *value + "' is " +
                             (value->empty() ? "too short" : "too long") +
                             "\n\nFailed validating '" +
                             (value->empty() ? "minLength" : "maxLength") +
                             "' in schema['properties']['" + name + "']");
    }
  }
  auto lock = readLock();
  if (!lock) return lock.takeError();
  json usages = json::object();
  for (const auto& [u, c] : consumers_) {
    if (c.project_id != *project) continue;
    if (user && c.user_id != *user) continue;
    const std::string stored = c.consumer_type.empty() ? "unknown" : c.consumer_type;
    if (type && *type != "all" && *type != stored) continue;
    // consumer_type=all sums every type under one key.
    const std::string ctype = type && *type == "all" ? "all" : stored;
    if (versionOf(r).atLeast(kConsumerTypes)) {
      auto& group = usages[ctype];
      if (!group.contains("consumer_count")) group["consumer_count"] = 0;
      group["consumer_count"] = group["consumer_count"].get<int>() + 1;
      for (const auto& [rp, amounts] : c.allocations) {
        for (const auto& [rc, n] : amounts) {
          group[rc] = group.value(rc, std::int64_t{0}) + n;
        }
      }
    } else {
      for (const auto& [rp, amounts] : c.allocations) {
        for (const auto& [rc, n] : amounts) usages[rc] = usages.value(rc, std::int64_t{0}) + n;
      }
    }
  }
  auto res = jsonResponse(200, {{"usages", usages}});
  cacheHeaders(res, r, 0);
  return res;
}

}  // namespace stratus::placement

namespace stratus::placement {

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
    if (w.check_generation) {
      const bool ok = it == consumers_.end()
                          ? !w.generation
                          : (w.generation && *w.generation == it->second.generation);
      if (!ok) {
        return Error::make(ErrorCode::kConflict,
                           "consumer generation conflict - expected " +
                               (it == consumers_.end() ? std::string("null")
                                                       : std::to_string(it->second.generation)) +
                               " but got " +
                               (w.generation ? std::to_string(*w.generation) : "None"),
                           kCodeConcurrent);
      }
    }
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
        if (inv == p->inventories.end() || n < inv->second.min_unit || n > inv->second.max_unit ||
            n % inv->second.step_size != 0) {
          return Error::make(ErrorCode::kFailedPrecondition,
                             "Unable to allocate inventory: Unable to create "
                             "allocation for '" +
                                 rc + "' on resource provider '" + rp +
                                 "'. The requested amount would violate inventory "
                                 "constraints.");
        }
      }
    }
  }
  for (const auto& [key, n] : usage) {
    if (n <= 0 || !touched.count(key)) continue;
    const Provider* p = providerAfter(key.first);
    if (p == nullptr) continue;
    auto inv = p->inventories.find(key.second);
    if (inv == p->inventories.end() || inv->second.capacity() < n) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "Unable to allocate inventory: Unable to create allocation "
                         "for '" +
                             key.second + "' on resource provider '" + key.first +
                             "'. The requested amount would exceed the "
                             "capacity.");
    }
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
    Consumer c;
    if (auto it = consumers_.find(w.uuid); it != consumers_.end()) {
      c = it->second;
      ++c.generation;
    } else {
      c.uuid = w.uuid;
      c.generation = 1;
      c.created_at = now;
    }
    c.allocations = std::move(w.allocations);
    c.project_id = w.project_id.empty() ? c.project_id : w.project_id;
    c.user_id = w.user_id.empty() ? c.user_id : w.user_id;
    if (!w.consumer_type.empty()) c.consumer_type = w.consumer_type;
    c.updated_at = now;
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
