// /resource_classes (Placement handlers/resource_class.py).

#include <algorithm>
#include <optional>

#include "placement/json_schema.h"
#include "placement/service.h"
#include "placement/service_util.h"
#include "traits/catalog.h"
#include "traits/resource_classes.h"

namespace stratus::placement {

namespace {

constexpr int kFirstCustomClassId = 10000;

}  // namespace

namespace {

nlohmann::json classJson(const std::string& name) {
  return {
      {"name", name},
      {"links", nlohmann::json::array({{{"rel", "self"}, {"href", "/resource_classes/" + name}}})}};
}

// The checks of Placement's resource class name schema, in its order: pattern, then length.
std::optional<std::string> classNameProblem(const std::string& name) {
  if (!traits::validateCustomTraitName(name.substr(0, std::min<std::size_t>(name.size(), 255)))
           .ok() ||
      !name.starts_with("CUSTOM_")) {
    return "JSON does not validate: '" + name +
           "' does not match '^CUSTOM\\\\_[A-Z0-9_]+$'\n\nFailed validating 'pattern' in "
           "schema['properties']['name']";
  }
  if (name.size() > 255) {
    return "JSON does not validate: '" + name +
           "' is too long\n\nFailed validating 'maxLength' in schema['properties']['name']";
  }
  return std::nullopt;
}

// A body of exactly {"name": "CUSTOM_..."}.
std::optional<std::string> classBodyProblem(const std::string& text, std::string& name) {
  auto body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) return "Malformed JSON: the request body is not valid JSON";
  ObjectSchema schema;
  schema.fields["name"] = SchemaField(SchemaField::Type::kString, true);
  if (auto e = validateObject(body, schema)) return e;
  name = body["name"];
  return classNameProblem(name);
}

}  // namespace

Result<HttpResponse> PlacementService::addCustomClass(const HttpRequest&, const std::string& name) {
  int id = kFirstCustomClassId;
  for (const auto& [c, cid] : custom_classes_) id = std::max(id, cid + 1);
  WriteBatch b;
  b.put_resource_classes.emplace_back(name, id);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  custom_classes_[name] = id;
  classes_updated_at_ = now();
  auto res = emptyResponse(201);
  res.setHeader("location", "/resource_classes/" + name);
  return res;
}

Result<HttpResponse> PlacementService::listResourceClasses(const HttpRequest& r,
                                                           const PathParams&) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : traits::standardResourceClasses()) out.push_back(classJson(c));
  for (const auto& [c, id] : custom_classes_) out.push_back(classJson(c));
  auto res = jsonResponse(200, {{"resource_classes", out}});
  cacheHeaders(res, r, classes_updated_at_);
  return res;
}

Result<HttpResponse> PlacementService::createResourceClass(const HttpRequest& r,
                                                           const PathParams&) {
  std::string name;
  if (auto e = classBodyProblem(r.body, name)) return Error::make(ErrorCode::kInvalidArgument, *e);
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  if (isResourceClass(name)) {
    return Error::make(ErrorCode::kAlreadyExists,
                       "Conflicting resource class already exists: " + name, kCodeDuplicateName);
  }
  return addCustomClass(r, name);
}

Result<HttpResponse> PlacementService::getResourceClass(const HttpRequest& r, const PathParams& p) {
  auto lock = readLock();
  if (!lock) return lock.takeError();
  if (!isResourceClass(p[0]))
    return Error::make(ErrorCode::kNotFound, "No such resource class " + p[0] + ".");
  auto res = jsonResponse(200, classJson(p[0]));
  cacheHeaders(res, r, classes_updated_at_);
  return res;
}

Result<HttpResponse> PlacementService::putResourceClass(const HttpRequest& r, const PathParams& p) {
  const std::string& name = p[0];
  if (!versionOf(r).atLeast(kBodilessClassPut)) {
    // 1.2 to 1.6: PUT renames a custom class to the name in the body.
    std::string new_name;
    if (auto e = classBodyProblem(r.body, new_name))
      return Error::make(ErrorCode::kInvalidArgument, *e);
    auto lock = writeLock();
    if (!lock) return lock.takeError();
    if (!custom_classes_.count(name)) {
      if (isResourceClass(name)) {
        return Error::make(ErrorCode::kInvalidArgument,
                           "Cannot update standard resource class " + name);
      }
      return Error::make(ErrorCode::kNotFound, "No such resource class " + name + ".");
    }
    if (isResourceClass(new_name)) {
      return Error::make(ErrorCode::kAlreadyExists, "Resource class already exists: " + new_name,
                         kCodeDuplicateName);
    }
    // The class keeps its id; every inventory and allocation follows the new name.
    std::vector<Provider> providers;
    for (const auto& [u, prov] : providers_) {
      if (!prov.inventories.count(name)) continue;
      Provider q = prov;
      q.inventories[new_name] = q.inventories[name];
      q.inventories.erase(name);
      providers.push_back(std::move(q));
    }
    std::vector<Consumer> consumers;
    for (const auto& [u, c] : consumers_) {
      bool uses = false;
      Consumer d = c;
      for (auto& [rp, amounts] : d.allocations) {
        if (auto it = amounts.find(name); it != amounts.end()) {
          amounts[new_name] = it->second;
          amounts.erase(name);
          uses = true;
        }
      }
      if (uses) consumers.push_back(std::move(d));
    }
    const int id = custom_classes_.at(name);
    WriteBatch b;
    b.delete_resource_classes.push_back(name);
    b.put_resource_classes.emplace_back(new_name, id);
    for (const auto& q : providers) b.put_providers.push_back(&q);
    for (const auto& c : consumers) b.put_consumers.push_back(&c);
    if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
    custom_classes_.erase(name);
    custom_classes_[new_name] = id;
    for (auto& q : providers) applyProvider(std::move(q));
    for (auto& c : consumers) applyConsumer(std::move(c));
    classes_updated_at_ = now();
    return jsonResponse(200, classJson(new_name));
  }
  if (auto e = classNameProblem(name)) return Error::make(ErrorCode::kInvalidArgument, *e);
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  if (isResourceClass(name)) {
    auto res = emptyResponse(204);
    res.setHeader("location", "/resource_classes/" + name);
    cacheHeaders(res, r, classes_updated_at_);
    return res;
  }
  return addCustomClass(r, name);
}

Result<HttpResponse> PlacementService::deleteResourceClass(const HttpRequest&,
                                                           const PathParams& p) {
  const std::string& name = p[0];
  auto lock = writeLock();
  if (!lock) return lock.takeError();
  if (!custom_classes_.count(name)) {
    if (isResourceClass(name)) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Cannot delete standard resource class " + name + ".");
    }
    return Error::make(ErrorCode::kNotFound, "No such resource class " + name + ".");
  }
  for (const auto& [u, prov] : providers_) {
    if (prov.inventories.count(name)) {
      return Error::make(ErrorCode::kFailedPrecondition, "Error in delete resource class '" + name +
                                                             "': Cannot delete resource class " +
                                                             name +
                                                             ". Class is in use in inventory.");
    }
  }
  for (const auto& [u, c] : consumers_) {
    for (const auto& [rp, amounts] : c.allocations) {
      if (amounts.count(name)) {
        return Error::make(ErrorCode::kFailedPrecondition,
                           "Error in delete resource class '" + name +
                               "': Cannot delete resource class " + name +
                               ". Class is in use in allocations.");
      }
    }
  }
  WriteBatch b;
  b.delete_resource_classes.push_back(name);
  if (auto s = commit(b); !s) return Error::make(ErrorCode::kUnavailable, s.error().message);
  custom_classes_.erase(name);
  classes_updated_at_ = now();
  return emptyResponse(204);
}

}  // namespace stratus::placement
