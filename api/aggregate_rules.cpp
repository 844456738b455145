#include "api/aggregate_rules.h"

#include <algorithm>
#include <set>

#include "api/availability_zones.h"

namespace stratus::api {

using nlohmann::json;

namespace {

std::string shown(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

bool shortString(const json& v, std::size_t min) {
  return v.is_string() && v.get<std::string>().size() >= min && v.get<std::string>().size() <= 255;
}

}  // namespace

Result<AggregateFields> parseAggregateBody(const json& body, bool create) {
  if (!body.contains("aggregate") || !body["aggregate"].is_object()) {
    return Error::invalid("aggregate", body.contains("aggregate") ? shown(body["aggregate"]) : "",
                          "an object with name and availability_zone",
                          "the body needs an \"aggregate\" object");
  }
  const json& a = body["aggregate"];
  AggregateFields f;
  for (const auto& [k, v] : a.items()) {
    if (k == "name") {
      if (!shortString(v, 1))
        return Error::invalid("name", shown(v), "a string of 1 to 255 characters");
      f.name = v.get<std::string>();
    } else if (k == "availability_zone") {
      if (v.is_null()) {
        f.zone = "";
        continue;
      }
      if (!v.is_string())
        return Error::invalid(k, shown(v), "1 to 255 characters without ':', or null");
      STRATUS_RETURN_IF_ERROR(checkZoneName(k, v.get<std::string>()));
      f.zone = v.get<std::string>();
    } else {
      return Error::invalid(k, shown(v), "name, availability_zone", "unknown key");
    }
  }
  if (create && !f.name)
    return Error::invalid("name", "", "a string of 1 to 255 characters", "name is required");
  if (!create && !f.name && !f.zone) {
    return Error::invalid("aggregate", a.dump(), "name, availability_zone",
                          "the update names neither name nor availability_zone");
  }
  return f;
}

Result<AggregateAction> parseAggregateAction(const json& body) {
  static const char* kActions = "add_host, remove_host, set_metadata";
  if (body.size() != 1) {
    return Error::invalid("action", body.dump(), kActions, "the body must hold exactly one action");
  }
  const std::string name = body.begin().key();
  const json& arg = body.begin().value();
  AggregateAction a{};
  if (name == "add_host" || name == "remove_host") {
    a.kind =
        name == "add_host" ? AggregateAction::Kind::kAddHost : AggregateAction::Kind::kRemoveHost;
    if (!arg.is_object() || arg.size() != 1 || !arg.contains("host")) {
      return Error::invalid(name, arg.dump(), "{\"host\": HOST}");
    }
    if (!shortString(arg["host"], 1))
      return Error::invalid("host", shown(arg["host"]), "a string of 1 to 255 characters");
    a.host = arg["host"].get<std::string>();
    return a;
  }
  if (name == "set_metadata") {
    a.kind = AggregateAction::Kind::kSetMetadata;
    if (!arg.is_object() || arg.size() != 1 || !arg.contains("metadata") ||
        !arg["metadata"].is_object()) {
      return Error::invalid(name, arg.dump(), "{\"metadata\": {KEY: VALUE or null}}");
    }
    for (const auto& [k, v] : arg["metadata"].items()) {
      if (k.empty() || k.size() > 255)
        return Error::invalid("metadata key", k, "1 to 255 characters");
      if (v.is_null()) {
        a.metadata[k] = std::nullopt;
        continue;
      }
      if (!shortString(v, 0))
        return Error::invalid(k, shown(v), "a string of up to 255 characters, or null");
      if (k == kZoneMetadataKey) STRATUS_RETURN_IF_ERROR(checkZoneName(k, v.get<std::string>()));
      a.metadata[k] = v.get<std::string>();
    }
    return a;
  }
  return Error::invalid("action", name, kActions, "unknown action");
}

Status checkOneZonePerHost(const std::map<int, AggregateRecord>& aggregates) {
  std::map<std::string, std::string> zone_of;
  for (const auto& [id, a] : aggregates) {
    const std::string zone = aggregateZone(a);
    if (zone.empty()) continue;
    for (const auto& h : a.hosts) {
      auto [it, fresh] = zone_of.emplace(h, zone);
      if (!fresh && it->second != zone) {
        return Error::invalid(
            "availability_zone", zone, "the zone host " + h + " is in: " + it->second,
            "host " + h + " would be in two availability zones, " + it->second + " and " + zone);
      }
    }
  }
  return okStatus();
}

std::vector<std::string> providerAggregatesWith(const std::vector<std::string>& current,
                                                const std::string& uuid, bool member) {
  std::vector<std::string> out;
  for (const auto& a : current) {
    if (a != uuid) out.push_back(a);
  }
  if (member) out.push_back(uuid);
  return out;
}

}  // namespace stratus::api
