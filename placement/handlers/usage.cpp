// /resource_providers/{uuid}/usages and /usages (Placement handlers/usage.py).

#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

using nlohmann::json;

Result<HttpResponse> PlacementService::getProviderUsages(const HttpRequest& r,
                                                         const PathParams& params) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(params[0]));
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  json usages = json::object();
  for (const auto& [rc, i] : it->second.inventories) usages[rc] = used(it->second.uuid, rc);
  auto res = jsonResponse(
      200, {{"usages", usages}, {"resource_provider_generation", it->second.generation}});
  cacheHeaders(res, r, it->second.updated_at);
  return res;
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
