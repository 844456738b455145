// /traits and /resource_providers/{uuid}/traits (Placement handlers/trait.py).

#include <optional>
#include <set>
#include <sstream>

#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"
#include "traits/catalog.h"

namespace stratus::placement {

using nlohmann::json;

Result<HttpResponse> PlacementService::listTraits(const HttpRequest& r, const PathParams&) {
  STRATUS_RETURN_IF_ERROR(rejectUnknownQuery(r, {"name", "associated"}));
  std::optional<std::set<std::string>> names;
  std::string prefix;
  if (auto name = r.queryOne("name")) {
    if (name->starts_with("in:")) {
      names.emplace();
      std::stringstream in(name->substr(3));
      std::string item;
      while (std::getline(in, item, ',')) names->insert(item);
    } else if (name->starts_with("startswith:")) {
      prefix = name->substr(11);
    } else {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Badly formatted name parameter. Expected name query string parameter "
                         "in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: \"" +
                             *name + "\"");
    }
  }
  std::optional<bool> associated;
  if (auto a = r.queryOne("associated")) {
    if (*a != "true" && *a != "false") {
      return Error::make(ErrorCode::kInvalidArgument,
                         "The query parameter \"associated\" only accepts \"true\" or \"false\"");
    }
    associated = *a == "true";
  }
  auto lock = readLock();
  if (!lock) return lock.takeError();
  std::set<std::string> in_use;
  if (associated) {
    for (const auto& [u, p] : providers_) in_use.insert(p.traits.begin(), p.traits.end());
  }
  auto want = [&](const std::string& t) {
    if (names && !names->count(t)) return false;
    if (!prefix.empty() && !t.starts_with(prefix)) return false;
    if (associated && (in_use.count(t) != 0) != *associated) return false;
    return true;
  };
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : traits::standardTraits()) {
    if (want(t)) out.push_back(t);
  }
  for (const auto& t : trait_order_.custom()) {
    if (want(t)) out.push_back(t);
  }
  auto res = jsonResponse(200, {{"traits", out}});
  cacheHeaders(res, r, 0);
  return res;
}

Result<HttpResponse> PlacementService::getTrait(const HttpRequest& r, const PathParams& p) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  if (!traitExists(p[0])) return Error::make(ErrorCode::kNotFound, "No such trait(s): " + p[0]);
  auto res = emptyResponse(204);
  cacheHeaders(res, r, 0);
  return res;
}

Result<HttpResponse> PlacementService::putTrait(const HttpRequest& r, const PathParams& p) {
  const std::string& name = p[0];
  if (!traits::validateCustomTraitName(name).ok()) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "The trait is invalid. A valid trait must be no longer than 255 "
                       "characters, start with the prefix \"CUSTOM_\" and use following "
                       "characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"");
  }
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  HttpResponse res;
  if (trait_order_.hasCustom(name)) {
    res = emptyResponse(204);
  } else {
    WriteBatch b;
    b.put_traits.push_back(name);
    if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
    trait_order_.addCustom(name);
    res = emptyResponse(201);
  }
  res.setHeader("location", "/traits/" + name);
  cacheHeaders(res, r, 0);
  return res;
}

Result<HttpResponse> PlacementService::deleteTrait(const HttpRequest&, const PathParams& p) {
  const std::string& name = p[0];
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  if (traits::isStandardTrait(name)) {
    return Error::make(ErrorCode::kInvalidArgument, "Cannot delete standard trait " + name + ".");
  }
  if (!trait_order_.hasCustom(name))
    return Error::make(ErrorCode::kNotFound, "No such trait(s): " + name);
  for (const auto& [u, prov] : providers_) {
    if (prov.traits.count(name)) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "The trait " + name + " is in use by a resource provider.");
    }
  }
  WriteBatch b;
  b.delete_traits.push_back(name);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  trait_order_.eraseCustom(name);
  return emptyResponse(204);
}

Result<HttpResponse> PlacementService::getProviderTraits(const HttpRequest& r,
                                                         const PathParams& params) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(params[0]));
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  auto res = jsonResponse(200, {{"traits", trait_order_.sorted(it->second.traits)},
                                {"resource_provider_generation", it->second.generation}});
  cacheHeaders(res, r, it->second.updated_at);
  return res;
}

Result<HttpResponse> PlacementService::putProviderTraits(const HttpRequest& r,
                                                         const PathParams& params) {
  auto body = parseBody(r);
  if (!body) return body.takeError();
  using T = SchemaField::Type;
  ObjectSchema schema;
  schema.fields["traits"] = SchemaField(T::kArray, true);
  schema.fields["resource_provider_generation"] = SchemaField(T::kInteger, true);
  if (auto e = validateObject(*body, schema)) return Error::make(ErrorCode::kInvalidArgument, *e);
  std::set<std::string> traits;
  for (const auto& t : (*body)["traits"]) {
    if (!t.is_string()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "JSON does not validate: " + pyRepr(t) + " is not of type 'string'");
    }
    traits.insert(t.get<std::string>());
  }
  auto change = [&](Provider& p) -> Status {
    // As in Placement: a stale generation is found before unknown traits, and
    // those are named after "No such trait" without the "(s):" other handlers use.
    STRATUS_RETURN_IF_ERROR(checkGeneration(
        r, (*body)["resource_provider_generation"].get<std::int64_t>(), p.generation));
    std::string unknown;
    for (const auto& t : traits) {
      if (!traitExists(t)) unknown += (unknown.empty() ? "" : ", ") + t;
    }
    if (!unknown.empty()) {
      return Error::make(ErrorCode::kInvalidArgument, "No such trait " + unknown);
    }
    p.traits = std::move(traits);
    return okStatus();
  };
  return withProvider(r, params[0], change, [&](const Provider& p) {
    auto res =
        jsonResponse(200, {{"traits", p.traits}, {"resource_provider_generation", p.generation}});
    cacheHeaders(res, r, p.updated_at);
    return res;
  });
}

Result<HttpResponse> PlacementService::deleteProviderTraits(const HttpRequest& r,
                                                            const PathParams& params) {
  auto change = [](Provider& p) -> Status {
    p.traits.clear();
    return okStatus();
  };
  return withProvider(r, params[0], change, [](const Provider&) { return emptyResponse(204); });
}

}  // namespace stratus::placement
