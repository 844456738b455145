// /resource_providers/{uuid}/inventories[/{rc}] (Placement handlers/inventory.py).

#include "placement/inventory_body.h"
#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

using nlohmann::json;

namespace {

// Placement's checks on one inventory record; empty when valid.
std::string inventoryProblem(const HttpRequest& r, const std::string& rp, const std::string& rc,
                             const Inventory& i) {
  const bool equal_ok = versionOf(r).atLeast(kReservedEqualsTotal);
  if (i.reserved > i.total ||
      (!equal_ok && i.reserved == i.total && i.total != 0 && i.reserved != 0)) {
    return "Unable to update inventory for resource provider " + rp + ": Invalid inventory for '" +
           rc + "' on resource provider '" + rp + "'. The reserved value is greater than " +
           (equal_ok ? "total." : "or equal to total.");
  }
  if (i.min_unit > i.max_unit) {
    return "Unable to update inventory for resource provider " + rp + ": Invalid inventory for '" +
           rc + "' on resource provider '" + rp + "'. The min_unit value is greater than max_unit.";
  }
  return {};
}

}  // namespace

Result<HttpResponse> PlacementService::getInventories(const HttpRequest& r,
                                                      const PathParams& params) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(params[0]));
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  json inv = json::object();
  for (const auto& [rc, i] : it->second.inventories) inv[rc] = inventoryJson(i);
  auto res = jsonResponse(
      200, {{"inventories", inv}, {"resource_provider_generation", it->second.generation}});
  cacheHeaders(res, r, it->second.updated_at);
  return res;
}

Result<HttpResponse> PlacementService::putInventories(const HttpRequest& r,
                                                      const PathParams& params) {
  auto body = parseBody(r);
  if (!body) return body.takeError();
  using T = SchemaField::Type;
  ObjectSchema schema;
  schema.fields["inventories"] = SchemaField(T::kObject, true);
  schema.fields["resource_provider_generation"] = SchemaField(T::kInteger, true);
  if (auto e = validateObject(*body, schema)) return Error::make(ErrorCode::kInvalidArgument, *e);
  for (const auto& [rc, j] : (*body)["inventories"].items()) {
    if (auto e = validateObject(j, inventorySchema(false, false))) {
      return Error::make(ErrorCode::kInvalidArgument, *e);
    }
  }
  auto change = [&](Provider& p) -> Status {
    STRATUS_RETURN_IF_ERROR(checkGeneration(
        r, (*body)["resource_provider_generation"].get<std::int64_t>(), p.generation));
    std::map<std::string, Inventory> next;
    for (const auto& [rc, j] : (*body)["inventories"].items()) {
      if (!isResourceClass(rc)) {
        return Error::make(
            ErrorCode::kInvalidArgument,
            "Unknown resource class in inventory for resource provider " + p.uuid + ": " + rc);
      }
      Inventory i = inventoryFrom(j);
      if (auto problem = inventoryProblem(r, p.uuid, rc, i); !problem.empty()) {
        return Error::make(ErrorCode::kInvalidArgument, problem);
      }
      next[rc] = i;
    }
    const std::string in_use =
        classesInUse(p, [&](const std::string& rc) { return next.count(rc) == 0; });
    if (!in_use.empty()) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "update conflict: Inventory for '" + in_use + "' on resource provider '" +
                             p.uuid + "' in use.",
                         kCodeInventoryInUse);
    }
    p.inventories = std::move(next);
    return okStatus();
  };
  return withProvider(r, params[0], change, [&](const Provider& p) {
    json inv = json::object();
    for (const auto& [rc, i] : p.inventories) inv[rc] = inventoryJson(i);
    auto res =
        jsonResponse(200, {{"inventories", inv}, {"resource_provider_generation", p.generation}});
    cacheHeaders(res, r, p.updated_at);
    return res;
  });
}

Result<HttpResponse> PlacementService::postInventory(const HttpRequest& r,
                                                     const PathParams& params) {
  auto body = parseBody(r);
  if (!body) return body.takeError();
  if (auto e = validateObject(*body, inventorySchema(true, true)))
    return Error::make(ErrorCode::kInvalidArgument, *e);
  const std::string rc = (*body)["resource_class"];
  const Inventory i = inventoryFrom(*body);
  auto change = [&](Provider& p) -> Status {
    if (!isResourceClass(rc)) {
      return Error::make(ErrorCode::kInvalidArgument, "No such resource class " + rc + ".");
    }
    if (body->contains("resource_provider_generation")) {
      STRATUS_RETURN_IF_ERROR(checkGeneration(
          r, (*body)["resource_provider_generation"].get<std::int64_t>(), p.generation));
    }
    if (p.inventories.count(rc)) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "Update conflict: Inventory for requested resource class " + rc +
                             " already exists for resource provider " + p.uuid + ".");
    }
    if (auto problem = inventoryProblem(r, p.uuid, rc, i); !problem.empty()) {
      const std::string update = "Unable to update inventory";
      problem.replace(0, update.size(), "Unable to create inventory");
      return Error::make(ErrorCode::kInvalidArgument, problem);
    }
    p.inventories[rc] = i;
    return okStatus();
  };
  return withProvider(r, params[0], change, [&](const Provider& p) {
    json out = inventoryJson(i);
    out["resource_provider_generation"] = p.generation;
    auto res = jsonResponse(201, out);
    res.setHeader("location", "/resource_providers/" + p.uuid + "/inventories/" + rc);
    return res;
  });
}

Result<HttpResponse> PlacementService::deleteInventories(const HttpRequest& r,
                                                         const PathParams& params) {
  if (!versionOf(r).atLeast(kDeleteInventories)) {
    auto e = Error::make(ErrorCode::kMethodNotAllowed,
                         "The method specified is not allowed for this resource.");
    e.allowed = "GET, PUT, POST";
    return e;
  }
  auto change = [&](Provider& p) -> Status {
    const std::string in_use = classesInUse(p, [](const std::string&) { return true; });
    if (!in_use.empty()) {
      return Error::make(
          ErrorCode::kFailedPrecondition,
          "Inventory for '" + in_use + "' on resource provider '" + p.uuid + "' in use.",
          kCodeInventoryInUse);
    }
    p.inventories.clear();
    return okStatus();
  };
  return withProvider(r, params[0], change, [](const Provider&) { return emptyResponse(204); });
}

Result<HttpResponse> PlacementService::getInventory(const HttpRequest& r,
                                                    const PathParams& params) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(params[0]));
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  auto inv = it->second.inventories.find(params[1]);
  if (inv == it->second.inventories.end()) {
    return Error::make(ErrorCode::kNotFound,
                       "No inventory of class " + params[1] + " for " + it->second.uuid);
  }
  json out = inventoryJson(inv->second);
  out["resource_provider_generation"] = it->second.generation;
  auto res = jsonResponse(200, out);
  cacheHeaders(res, r, it->second.updated_at);
  return res;
}

Result<HttpResponse> PlacementService::putInventory(const HttpRequest& r,
                                                    const PathParams& params) {
  auto body = parseBody(r);
  if (!body) return body.takeError();
  if (auto e = validateObject(*body, inventorySchema(true, false))) {
    return Error::make(ErrorCode::kInvalidArgument, *e);
  }
  const std::string rc = params[1];
  const Inventory i = inventoryFrom(*body);
  auto change = [&](Provider& p) -> Status {
    if (!isResourceClass(rc)) {
      return Error::make(ErrorCode::kInvalidArgument, "No such resource class " + rc + ".");
    }
    STRATUS_RETURN_IF_ERROR(checkGeneration(
        r, (*body)["resource_provider_generation"].get<std::int64_t>(), p.generation));
    if (auto problem = inventoryProblem(r, p.uuid, rc, i); !problem.empty()) {
      return Error::make(ErrorCode::kInvalidArgument, problem);
    }
    if (!p.inventories.count(rc)) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "No inventory record with resource class for resource provider " + p.uuid);
    }
    p.inventories[rc] = i;
    return okStatus();
  };
  return withProvider(r, params[0], change, [&](const Provider& p) {
    json out = inventoryJson(i);
    out["resource_provider_generation"] = p.generation;
    return jsonResponse(200, out);
  });
}

Result<HttpResponse> PlacementService::deleteInventory(const HttpRequest& r,
                                                       const PathParams& params) {
  const std::string rc = params[1];
  auto change = [&](Provider& p) -> Status {
    if (!p.inventories.count(rc)) {
      return Error::make(ErrorCode::kNotFound, "No inventory of class " + rc + " found for delete");
    }
    if (used(p.uuid, rc) > 0) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "Unable to delete inventory of class " + rc + ": Inventory for '" + rc +
                             "' on resource provider '" + p.uuid + "' in use.",
                         kCodeInventoryInUse);
    }
    p.inventories.erase(rc);
    return okStatus();
  };
  return withProvider(r, params[0], change, [](const Provider&) { return emptyResponse(204); });
}

}  // namespace stratus::placement
