#include "placement/service.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <sstream>

#include "common/http_status.h"
#include "placement/front_door.h"
#include "placement/json_schema.h"
#include "placement/service_util.h"
#include "traits/catalog.h"
#include "traits/resource_classes.h"

namespace stratus::placement {
namespace {

const std::vector<std::string>& standardClasses() {
  return traits::standardResourceClasses();
}

constexpr int kFirstCustomClassId = 10000;

bool isCustomName(const std::string& name) {
  return traits::validateCustomTraitName(name).ok();
}

}  // namespace

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

Result<HttpResponse> PlacementService::root(const HttpRequest& r, const PathParams&) {
  auto res = jsonResponse(
      200,
      {{"versions", nlohmann::json::array(
                        {{{"id", "v1.0"},
                          {"max_version", kMaxVersion.str()},
                          {"min_version", kMinVersion.str()},
                          {"status", "CURRENT"},
                          {"links", nlohmann::json::array({{{"rel", "self"}, {"href", ""}}})}}})}});
  cacheHeaders(res, r, 0);
  return res;
}

// ---- helpers ---------------------------------------------------------------

bool PlacementService::isResourceClass(const std::string& name) const {
  const auto& std_classes = standardClasses();
  return std::find(std_classes.begin(), std_classes.end(), name) != std_classes.end() ||
         custom_classes_.count(name) != 0;
}

std::string PlacementService::classesInUse(
    const Provider& p, const std::function<bool(const std::string&)>& drop) const {
  const auto& std_classes = standardClasses();
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

// ---- traits ----------------------------------------------------------------

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
  if (!isCustomName(name)) {
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

// ---- resource classes ------------------------------------------------------

namespace {

nlohmann::json classJson(const std::string& name) {
  return {
      {"name", name},
      {"links", nlohmann::json::array({{{"rel", "self"}, {"href", "/resource_classes/" + name}}})}};
}

// The checks of Placement's resource class name schema, in its order: pattern, then length.
std::optional<std::string> classNameProblem(const std::string& name) {
  if (!isCustomName(name.substr(0, std::min<std::size_t>(name.size(), 255))) ||
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
  for (const auto& c : standardClasses()) out.push_back(classJson(c));
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
