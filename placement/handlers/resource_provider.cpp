// /resource_providers and /resource_providers/{uuid} (Placement handlers/resource_provider.py).

#include <algorithm>
#include <set>

#include "placement/json_schema.h"
#include "placement/query_parse.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

using nlohmann::json;

json PlacementService::providerJson(const Provider& p, const HttpRequest& r) const {
  const std::string base = "/resource_providers/" + p.uuid;
  json links = json::array({{{"rel", "self"}, {"href", base}},
                            {{"rel", "inventories"}, {"href", base + "/inventories"}},
                            {{"rel", "usages"}, {"href", base + "/usages"}}});
  if (versionOf(r).atLeast(kAggregatesApi))
    links.push_back({{"rel", "aggregates"}, {"href", base + "/aggregates"}});
  if (versionOf(r).atLeast(kTraitsApi))
    links.push_back({{"rel", "traits"}, {"href", base + "/traits"}});
  if (versionOf(r).atLeast(kAllocationsLink)) {
    links.push_back({{"rel", "allocations"}, {"href", base + "/allocations"}});
  }
  json out = {{"uuid", p.uuid}, {"name", p.name}, {"generation", p.generation}, {"links", links}};
  if (versionOf(r).atLeast(kNestedProviders)) {
    out["parent_provider_uuid"] = p.parent_uuid.empty() ? json(nullptr) : json(p.parent_uuid);
    out["root_provider_uuid"] = p.root_uuid;
  }
  return out;
}

Result<HttpResponse> PlacementService::listProviders(const HttpRequest& r, const PathParams&) {
  std::set<std::string> allowed = {"name", "uuid"};
  if (versionOf(r).atLeast(kProvidersMemberOf)) allowed.insert("member_of");
  if (versionOf(r).atLeast(kProvidersResources)) allowed.insert("resources");
  if (versionOf(r).atLeast(kNestedProviders)) allowed.insert("in_tree");
  if (versionOf(r).atLeast(kProvidersRequired)) allowed.insert("required");
  STRATUS_RETURN_IF_ERROR(rejectUnknownQuery(r, allowed));
  auto uuid = r.queryOne("uuid");
  if (uuid && !isUuid(*uuid)) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Invalid query string parameters: '" + *uuid + "' is not a 'uuid'");
  }

  auto member_of = parseMemberOf(r.queryAll("member_of"), versionOf(r));
  if (auto* e = std::get_if<std::string>(&member_of))
    return Error::make(ErrorCode::kInvalidArgument, *e);
  const auto& aggregates = std::get<AggregateFilter>(member_of);

  auto lock = readLock();

  if (!lock) return lock.takeError();
  auto exists = [this](const std::string& t) { return traitExists(t); };
  auto required = parseRequired(r.queryAll("required"), versionOf(r), exists);
  if (auto* e = std::get_if<std::string>(&required))
    return Error::make(ErrorCode::kInvalidArgument, *e);
  const auto& traits = std::get<TraitFilter>(required);

  ResourceAmounts wanted;
  if (auto res = r.queryOne("resources")) {
    auto parsed = parseResources(*res, [this](const std::string& c) { return isResourceClass(c); });
    if (auto* e = std::get_if<std::string>(&parsed))
      return Error::make(ErrorCode::kInvalidArgument, *e);
    wanted = std::get<ResourceAmounts>(parsed);
  }

  std::string tree_root;
  if (auto t = r.queryOne("in_tree")) {
    if (!isUuid(*t)) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Invalid query string parameters: '" + *t + "' is not a 'uuid'");
    }
    auto it = providers_.find(canonicalUuid(*t));
    if (it == providers_.end()) return jsonResponse(200, {{"resource_providers", json::array()}});
    tree_root = it->second.root_uuid;
  }

  auto name = r.queryOne("name");
  json out = json::array();
  std::int64_t modified = 0;
  std::vector<const Provider*> matches;
  for (const auto& [u, p] : providers_) {
    if (name && p.name != *name) continue;
    if (uuid && p.uuid != canonicalUuid(*uuid)) continue;
    if (!tree_root.empty() && p.root_uuid != tree_root) continue;
    bool ok = aggregates.matches(p.aggregates) && traits.matches(p.traits);
    for (const auto& [rc, n] : wanted) {
      auto inv = p.inventories.find(rc);
      ok = ok && inv != p.inventories.end() && n >= inv->second.min_unit &&
           n <= inv->second.max_unit && n % inv->second.step_size == 0 &&
           inv->second.capacity() - used(p.uuid, rc) >= n;
    }
    if (ok) matches.push_back(&p);
  }
  std::sort(matches.begin(), matches.end(), [](const Provider* a, const Provider* b) {
    return a->created_at < b->created_at || (a->created_at == b->created_at && a->uuid < b->uuid);
  });
  for (const auto* p : matches) {
    out.push_back(providerJson(*p, r));
    modified = std::max(modified, p->updated_at);
  }
  auto res = jsonResponse(200, {{"resource_providers", out}});
  cacheHeaders(res, r, modified);
  return res;
}

Result<HttpResponse> PlacementService::createProvider(const HttpRequest& r, const PathParams&) {
  auto body = parseBody(r);
  if (!body) return body.takeError();
  using T = SchemaField::Type;
  ObjectSchema schema;
  schema.fields["name"] = SchemaField(T::kString, true).length(1, 200);
  schema.fields["uuid"] = SchemaField(T::kUuid, false);
  if (versionOf(r).atLeast(kNestedProviders))
    schema.fields["parent_provider_uuid"] = SchemaField(T::kNullableUuid, false);
  if (auto e = validateObject(*body, schema)) return Error::make(ErrorCode::kInvalidArgument, *e);

  Provider p;
  p.name = (*body)["name"];
  p.uuid = body->contains("uuid") ? canonicalUuid((*body)["uuid"]) : newUuid();
  std::string parent;
  if (body->contains("parent_provider_uuid") && (*body)["parent_provider_uuid"].is_string()) {
    parent = canonicalUuid((*body)["parent_provider_uuid"]);
  }
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  if (by_name_.count(p.name)) {
    return Error::make(ErrorCode::kAlreadyExists,
                       "Conflicting resource provider name: " + p.name + " already exists.",
                       kCodeDuplicateName);
  }
  if (providers_.count(p.uuid)) {
    return Error::make(ErrorCode::kAlreadyExists,
                       "Conflicting resource provider uuid: " + p.uuid + " already exists.",
                       kCodeDuplicateName);
  }
  if (!parent.empty()) {
    if (parent == p.uuid) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Unable to create resource provider \"" + p.name + "\", " + p.uuid +
                             ": parent provider UUID cannot be same as UUID. "
                             "Please set parent provider UUID to None if there is no "
                             "parent.");
    }
    auto it = providers_.find(parent);
    if (it == providers_.end()) {
      return Error::make(ErrorCode::kInvalidArgument, "Unable to create resource provider \"" +
                                                          p.name + "\", " + p.uuid +
                                                          ": parent provider UUID does not exist.");
    }
    p.parent_uuid = parent;
    p.root_uuid = it->second.root_uuid;
  } else {
    p.root_uuid = p.uuid;
  }
  p.created_at = p.updated_at = now();
  WriteBatch b;
  b.put_providers.push_back(&p);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  const std::string location = "/resource_providers/" + p.uuid;
  HttpResponse res;
  if (versionOf(r).atLeast(kCreateReturnsProvider)) {
    res = jsonResponse(200, providerJson(p, r));
    cacheHeaders(res, r, p.updated_at);
  } else {
    res = emptyResponse(201);
  }
  res.setHeader("location", location);
  applyProvider(std::move(p));
  return res;
}

Result<HttpResponse> PlacementService::getProvider(const HttpRequest& r, const PathParams& params) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(params[0]));
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  auto res = jsonResponse(200, providerJson(it->second, r));
  cacheHeaders(res, r, it->second.updated_at);
  return res;
}

Result<HttpResponse> PlacementService::updateProvider(const HttpRequest& r,
                                                      const PathParams& params) {
  auto body = parseBody(r);
  if (!body) return body.takeError();
  using T = SchemaField::Type;
  ObjectSchema schema;
  schema.fields["name"] = SchemaField(T::kString, true).length(1, 200);
  if (versionOf(r).atLeast(kNestedProviders))
    schema.fields["parent_provider_uuid"] = SchemaField(T::kNullableUuid, false);
  if (auto e = validateObject(*body, schema)) return Error::make(ErrorCode::kInvalidArgument, *e);

  auto lock = writeLock();

  if (!lock) return lock.takeError();
  auto it = providers_.find(canonicalUuid(params[0]));
  if (it == providers_.end()) return providerNotFound(r, params[0]);
  Provider p = it->second;
  const std::string name = (*body)["name"];
  if (name != p.name && by_name_.count(name)) {
    return Error::make(ErrorCode::kAlreadyExists,
                       "Conflicting resource provider name: " + name + " already exists.",
                       kCodeDuplicateName);
  }
  p.name = name;
  std::vector<Provider> subtree_updates;
  if (body->contains("parent_provider_uuid")) {
    const auto& v = (*body)["parent_provider_uuid"];
    std::string parent = v.is_string() ? canonicalUuid(v.get<std::string>()) : "";
    if (parent != p.parent_uuid) {
      if (!p.parent_uuid.empty() && !versionOf(r).atLeast(kReparenting)) {
        return Error::make(ErrorCode::kInvalidArgument,
                           parent.empty() ? "un-parenting a provider is not currently allowed."
                                          : "re-parenting a provider is not currently allowed.");
      }
      std::string new_root = p.uuid;
      if (!parent.empty()) {
        if (parent == p.uuid) {
          return Error::make(ErrorCode::kInvalidArgument,
                             "creating loop in the provider tree is not allowed.");
        }
        auto pit = providers_.find(parent);
        if (pit == providers_.end()) {
          return Error::make(ErrorCode::kInvalidArgument, "parent provider UUID does not exist.");
        }
        // Walking up from the new parent must not reach this provider.
        for (std::string cur = parent; !cur.empty(); cur = providers_.at(cur).parent_uuid) {
          if (cur == p.uuid) {
            return Error::make(ErrorCode::kInvalidArgument,
                               "creating loop in the provider tree is not allowed.");
          }
        }
        new_root = pit->second.root_uuid;
      }
      p.parent_uuid = parent;
      if (new_root != p.root_uuid) {
        const std::string old_root = p.root_uuid;
        // Every descendant moves to the new root with it.
        std::set<std::string> subtree = {p.uuid};
        bool grew = true;
        while (grew) {
          grew = false;
          for (const auto& [u, q] : providers_) {
            if (!subtree.count(u) && subtree.count(q.parent_uuid)) {
              subtree.insert(u);
              grew = true;
            }
          }
        }
        for (const auto& u : subtree) {
          if (u == p.uuid) continue;
          Provider q = providers_.at(u);
          q.root_uuid = new_root;
          subtree_updates.push_back(std::move(q));
        }
        (void)old_root;
        p.root_uuid = new_root;
      }
    }
  }
  p.updated_at = now();
  WriteBatch b;
  b.put_providers.push_back(&p);
  for (const auto& q : subtree_updates) b.put_providers.push_back(&q);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  auto res = jsonResponse(200, providerJson(p, r));
  cacheHeaders(res, r, p.updated_at);
  for (auto& q : subtree_updates) applyProvider(std::move(q));
  applyProvider(std::move(p));
  return res;
}

Result<HttpResponse> PlacementService::deleteProvider(const HttpRequest&,
                                                      const PathParams& params) {
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  const std::string uuid = canonicalUuid(params[0]);
  auto it = providers_.find(uuid);
  if (it == providers_.end()) {
    return Error::make(ErrorCode::kNotFound,
                       "No resource provider with uuid " + params[0] + " found for delete");
  }
  if (auto c = consumers_of_.find(uuid); c != consumers_of_.end() && !c->second.empty()) {
    return Error::make(
        ErrorCode::kFailedPrecondition,
        "Unable to delete resource provider " + uuid + ": Resource provider has allocations.",
        kCodeProviderInUse);
  }
  for (const auto& [u, q] : providers_) {
    if (q.parent_uuid == uuid) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "Unable to delete parent resource provider " + uuid +
                             ": It has child resource providers.",
                         kCodeCannotDeleteParent);
    }
  }
  WriteBatch b;
  b.delete_providers.push_back(uuid);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  eraseProvider(uuid);
  return emptyResponse(204);
}

}  // namespace stratus::placement
