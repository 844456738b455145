// /resource_providers/{uuid}/aggregates (Placement handlers/aggregate.py).

#include <optional>
#include <set>

#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

using nlohmann::json;

Result<HttpResponse> PlacementService::getAggregates(const HttpRequest& r,
                                                     const PathParams& params) {
  if (!versionOf(r).atLeast(kAggregatesApi))
    return Error::make(ErrorCode::kNotFound, "The resource could not be found.");
  auto lock = readLock();
  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(params[0]));
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  json out = {{"aggregates", it->second.aggregates}};
  if (versionOf(r).atLeast(kAggregatesGeneration))
    out["resource_provider_generation"] = it->second.generation;
  auto res = jsonResponse(200, out);
  cacheHeaders(res, r, it->second.updated_at);
  return res;
}

Result<HttpResponse> PlacementService::putAggregates(const HttpRequest& r,
                                                     const PathParams& params) {
  if (!versionOf(r).atLeast(kAggregatesApi))
    return Error::make(ErrorCode::kNotFound, "The resource could not be found.");
  {
    auto lock = readLock();
    if (!lock) return lock.takeError();
    if (!providers_.count(canonicalUuid(params[0]))) return providerNotFound(r, params[0]);
  }
  auto body = parseBody(r);
  if (!body) return body.takeError();
  json list;
  std::optional<std::int64_t> generation;
  if (versionOf(r).atLeast(kAggregatesGeneration)) {
    using T = SchemaField::Type;
    ObjectSchema schema;
    schema.fields["aggregates"] = SchemaField(T::kArray, true);
    schema.fields["resource_provider_generation"] = SchemaField(T::kInteger, true);
    if (auto e = validateObject(*body, schema)) return Error::make(ErrorCode::kInvalidArgument, *e);
    list = (*body)["aggregates"];
    generation = (*body)["resource_provider_generation"].get<std::int64_t>();
  } else {
    if (!body->is_array()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "JSON does not validate: " + body->dump() + " is not of type 'array'");
    }
    list = *body;
  }
  std::set<std::string> aggs;
  json in_request_order = json::array();  // what the reply lists, as Placement does
  for (const auto& a : list) {
    if (!a.is_string() || !isUuid(a.get<std::string>())) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "JSON does not validate: " + pyRepr(a) + " is not a 'uuid'");
    }
    if (!aggs.insert(canonicalUuid(a.get<std::string>())).second) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "JSON does not validate: " + pyRepr(list) + " has non-unique elements");
    }
    in_request_order.push_back(canonicalUuid(a.get<std::string>()));
  }
  auto change = [&](Provider& p) -> Status {
    if (generation) STRATUS_RETURN_IF_ERROR(checkGeneration(r, *generation, p.generation));
    p.aggregates = std::move(aggs);
    return okStatus();
  };
  // Before 1.19 the generation neither guards nor changes with the aggregates.
  const bool with_generation = versionOf(r).atLeast(kAggregatesGeneration);
  auto reply = [&](const Provider& p) {
    json out = {{"aggregates", std::move(in_request_order)}};
    if (with_generation) out["resource_provider_generation"] = p.generation;
    auto res = jsonResponse(200, out);
    cacheHeaders(res, r, p.updated_at);
    return res;
  };
  return withProvider(r, params[0], change, reply, with_generation);
}

}  // namespace stratus::placement
