// Host aggregates (Nova's aggregates.py): list, create, show, update, delete and the
// add_host / remove_host / set_metadata actions, admin only, stored in the API's store.
// Each aggregate is mirrored into placement as the provider aggregate of its uuid on
// every member host's root provider (as Nova does), which is what member_of matches
// when a server asks for the aggregate's availability zone.
#include <algorithm>
#include <ctime>

#include "api/aggregate_rules.h"
#include "api/availability_zones.h"
#include "api/compute/handlers.h"
#include "api/compute/microversion.h"
#include "common/uuid.h"

namespace stratus::api::compute {
namespace {

using nlohmann::json;

inline constexpr ComputeVersion kAggregateUuid{41};  // aggregates show "uuid"

// Nova's aggregate times: "2026-11-21T10:45:16.000000".
std::string aggregateTime() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000", &tm);
  return buf;
}

json aggregateView(const AggregateRecord& a, ComputeVersion v, bool with_members) {
  const std::string zone = aggregateZone(a);
  json out = {{"id", a.id},
              {"name", a.name},
              {"availability_zone", zone.empty() ? json() : json(zone)},
              {"created_at", a.created_at},
              {"updated_at", a.updated_at.empty() ? json() : json(a.updated_at)},
              {"deleted", false},
              {"deleted_at", nullptr}};
  if (with_members) {
    out["hosts"] = a.hosts;
    out["metadata"] = a.metadata;
  }
  if (v.atLeast(kAggregateUuid)) out["uuid"] = a.uuid;
  return out;
}

Status requireAggregatePolicy(const HttpRequest& r, const std::string& what) {
  return requirePolicy(r, "os_compute_api:os-aggregates:" + what);
}

// The aggregate of a path id. Callers hold state.mu.
Result<AggregateRecord> findAggregate(const CloudState& state, const std::string& id) {
  int n = 0;
  try {
    std::size_t used = 0;
    n = std::stoi(id, &used);
    if (used != id.size()) throw std::invalid_argument(id);
  } catch (const std::exception&) {
    return Error::make(ErrorCode::kNotFound, "Aggregate " + id + " could not be found.");
  }
  auto it = state.aggregates.find(n);
  if (it == state.aggregates.end())
    return Error::make(ErrorCode::kNotFound, "Aggregate " + id + " could not be found.");
  return it->second;
}

Status checkNameFree(const CloudState& state, const std::string& name, int self) {
  for (const auto& [id, a] : state.aggregates) {
    if (a.name == name && id != self)
      return Error::make(ErrorCode::kAlreadyExists, "Aggregate " + name + " already exists.");
  }
  return okStatus();
}

// `agg` in or out of the host provider's aggregates, other aggregates kept; a
// generation conflict is re-read and redone. A host whose provider placement does not
// have is skipped (its agent creates it; see the README).
Status mirrorMembership(const Context& c, const std::string& provider, const std::string& agg,
                        bool member) {
  if (c.placement == nullptr)
    return Error::make(ErrorCode::kUnavailable, "No placement service is configured.");
  const std::string path = "/resource_providers/" + provider + "/aggregates";
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto got = c.placement->call("GET", path);
    if (!got) {
      if (got.error().code == ErrorCode::kNotFound) return okStatus();
      return Error::make(ErrorCode::kUnavailable, "placement answered: " + got.error().message);
    }
    std::vector<std::string> current;
    for (const auto& u : got->body.value("aggregates", json::array()))
      current.push_back(u.get<std::string>());
    const auto wanted = providerAggregatesWith(current, agg, member);
    if (wanted == current) return okStatus();
    auto put = c.placement->call(
        "PUT", path,
        json{{"aggregates", wanted},
             {"resource_provider_generation", got->body.value("resource_provider_generation", 0)}});
    if (put) return okStatus();
    if (put.error().code != ErrorCode::kConflict)
      return Error::make(ErrorCode::kUnavailable, "placement answered: " + put.error().message);
  }
  return Error::make(ErrorCode::kUnavailable,
                     "the aggregates of provider " + provider + " kept changing; try again");
}

Reply saved(const Context& c, const AggregateRecord& a, ComputeVersion v) {
  if (auto s = c.state.save(a); !s) return storeFailure(s.error());
  return jsonResponse(200, {{"aggregate", aggregateView(a, v, true)}});
}

Reply addOrRemoveHost(const Context& c, const HttpRequest& r, const std::string& id,
                      const AggregateAction& action) {
  const bool add = action.kind == AggregateAction::Kind::kAddHost;
  std::string provider, uuid;
  {
    auto lock = c.state.read();
    if (!lock) return storeFailure(lock.error());
    auto a = findAggregate(c.state, id);
    if (!a) return a.takeError();
    auto host = c.state.hosts.find(action.host);
    const bool member = std::find(a->hosts.begin(), a->hosts.end(), action.host) != a->hosts.end();
    if (add) {
      if (host == c.state.hosts.end())
        return Error::make(ErrorCode::kNotFound,
                           "Compute host " + action.host + " could not be found.");
      if (member)
        return Error::make(ErrorCode::kAlreadyExists,
                           "Aggregate " + id + " already has host " + action.host + ".");
      auto after = c.state.aggregates;
      after[a->id].hosts.push_back(action.host);
      if (auto s = checkOneZonePerHost(after); !s) return s.error();
    } else if (!member) {
      return Error::make(ErrorCode::kNotFound, "Cannot remove host " + action.host +
                                                   " in aggregate " + id + ": not found.");
    }
    provider = host == c.state.hosts.end() ? "" : host->second.id;
    uuid = a->uuid;
  }
  if (!provider.empty()) {
    if (auto s = mirrorMembership(c, provider, uuid, add); !s) return s.error();
  }
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto a = findAggregate(c.state, id);
  if (!a) return a.takeError();
  auto& hosts = a->hosts;
  hosts.erase(std::remove(hosts.begin(), hosts.end(), action.host), hosts.end());
  if (add) hosts.push_back(action.host);
  a->updated_at = aggregateTime();
  auto reply = saved(c, *a, versionOf(r));
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return reply;
}

}  // namespace

Reply listAggregates(const Context& c, const HttpRequest& r, const PathParams&) {
  if (auto s = requireAggregatePolicy(r, "index"); !s) return s.error();
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  json list = json::array();
  for (const auto& [id, a] : c.state.aggregates)
    list.push_back(aggregateView(a, versionOf(r), true));
  return jsonResponse(200, {{"aggregates", list}});
}

Reply createAggregate(const Context& c, const HttpRequest& r, const PathParams&) {
  if (auto s = requireAggregatePolicy(r, "create"); !s) return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto fields = parseAggregateBody(*doc, true);
  if (!fields) return fields.takeError();
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  if (auto s = checkNameFree(c.state, *fields->name, 0); !s) return s.error();
  AggregateRecord a;
  a.id = c.state.aggregates.empty() ? 1 : c.state.aggregates.rbegin()->first + 1;
  a.uuid = newUuid();
  a.name = *fields->name;
  if (fields->zone && !fields->zone->empty())
    a.metadata[std::string(kZoneMetadataKey)] = *fields->zone;
  a.created_at = aggregateTime();
  if (auto s = c.state.save(a); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return jsonResponse(200, {{"aggregate", aggregateView(a, versionOf(r), false)}});
}

Reply showAggregate(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requireAggregatePolicy(r, "show"); !s) return s.error();
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  auto a = findAggregate(c.state, p[0]);
  if (!a) return a.takeError();
  return jsonResponse(200, {{"aggregate", aggregateView(*a, versionOf(r), true)}});
}

Reply updateAggregate(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requireAggregatePolicy(r, "update"); !s) return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto fields = parseAggregateBody(*doc, false);
  if (!fields) return fields.takeError();
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto a = findAggregate(c.state, p[0]);
  if (!a) return a.takeError();
  if (fields->name) {
    if (auto s = checkNameFree(c.state, *fields->name, a->id); !s) return s.error();
    a->name = *fields->name;
  }
  if (fields->zone) {
    const std::string key(kZoneMetadataKey);
    if (fields->zone->empty()) {
      a->metadata.erase(key);
    } else {
      a->metadata[key] = *fields->zone;
    }
    auto after = c.state.aggregates;
    after[a->id] = *a;
    if (auto s = checkOneZonePerHost(after); !s) return s.error();
  }
  a->updated_at = aggregateTime();
  auto reply = saved(c, *a, versionOf(r));
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return reply;
}

Reply deleteAggregate(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requireAggregatePolicy(r, "delete"); !s) return s.error();
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto a = findAggregate(c.state, p[0]);
  if (!a) return a.takeError();
  if (!a->hosts.empty()) {
    std::string hosts;
    for (const auto& h : a->hosts) hosts += (hosts.empty() ? "" : ", ") + h;
    return badRequest("Cannot delete aggregate " + p[0] + ": it still has hosts (" + hosts +
                      "); remove them first.");
  }
  if (auto s = c.state.eraseAggregate(a->id); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return emptyResponse(200);
}

Reply aggregateAction(const Context& c, const HttpRequest& r, const PathParams& p) {
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto action = parseAggregateAction(*doc);
  if (!action) return action.takeError();
  const char* rule = action->kind == AggregateAction::Kind::kAddHost      ? "add_host"
                     : action->kind == AggregateAction::Kind::kRemoveHost ? "remove_host"
                                                                          : "set_metadata";
  if (auto s = requireAggregatePolicy(r, rule); !s) return s.error();
  if (action->kind != AggregateAction::Kind::kSetMetadata)
    return addOrRemoveHost(c, r, p[0], *action);
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto a = findAggregate(c.state, p[0]);
  if (!a) return a.takeError();
  for (const auto& [k, v] : action->metadata) {
    if (v) {
      a->metadata[k] = *v;
    } else {
      a->metadata.erase(k);
    }
  }
  auto after = c.state.aggregates;
  after[a->id] = *a;
  if (auto s = checkOneZonePerHost(after); !s) return s.error();
  a->updated_at = aggregateTime();
  auto reply = saved(c, *a, versionOf(r));
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return reply;
}

}  // namespace stratus::api::compute
