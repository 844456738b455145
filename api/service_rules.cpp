#include "api/service_rules.h"

#include <algorithm>

#include "traits/catalog.h"

namespace stratus::api {

using nlohmann::json;

bool serviceUp(const ServiceRecord& s, std::int64_t last_heard_unix, std::int64_t now_unix,
               std::chrono::seconds down_after) {
  if (s.forced_down) return false;
  return now_unix - last_heard_unix <= down_after.count();
}

namespace {

Error invalidKey(const std::string& key, const json& value, const std::string& allowed,
                 std::string_view why = {}) {
  return Error::invalid(key, value.is_string() ? value.get<std::string>() : value.dump(), allowed,
                        why);
}

// A disabled_reason: a string of 1 to kMaxDisabledReason characters.
Result<std::string> reasonOf(const json& v) {
  if (!v.is_string() || v.get<std::string>().empty() ||
      v.get<std::string>().size() > kMaxDisabledReason) {
    return invalidKey("disabled_reason", v, "a string of 1 to 255 characters");
  }
  return v.get<std::string>();
}

Result<bool> forcedDownOf(const json& v) {
  if (!v.is_boolean()) return invalidKey("forced_down", v, "true, false");
  return v.get<bool>();
}

Status onlyKeys(const json& body, const std::set<std::string>& allowed, const char* list) {
  for (const auto& [k, v] : body.items()) {
    if (!allowed.contains(k)) return invalidKey(k, v, list, "unknown key");
  }
  return okStatus();
}

Result<std::string> stringField(const json& body, const std::string& key) {
  if (!body.contains(key)) {
    return Error::invalid(key, "", "a string", key + " is required");
  }
  const json& v = body[key];
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 255) {
    return invalidKey(key, v, "a string of 1 to 255 characters");
  }
  return v.get<std::string>();
}

}  // namespace

Result<ServiceUpdate> parseServiceUpdate(const json& body) {
  STRATUS_RETURN_IF_ERROR(onlyKeys(body, {"status", "disabled_reason", "forced_down"},
                                   "status, disabled_reason, forced_down"));
  ServiceUpdate u;
  if (body.contains("status")) {
    const json& v = body["status"];
    if (v == "enabled") {
      u.disabled = false;
    } else if (v == "disabled") {
      u.disabled = true;
    } else {
      return invalidKey("status", v, "enabled, disabled");
    }
  }
  if (body.contains("disabled_reason")) {
    auto reason = reasonOf(body["disabled_reason"]);
    if (!reason) return reason.takeError();
    // A reason explains a disabling; Nova refuses it on its own or with "enabled".
    if (u.disabled != true) {
      return Error::invalid("disabled_reason", *reason, "disabled_reason with status disabled",
                            "it is only taken together with status disabled");
    }
    u.disabled_reason = std::move(*reason);
  }
  if (body.contains("forced_down")) {
    auto forced = forcedDownOf(body["forced_down"]);
    if (!forced) return forced.takeError();
    u.forced_down = *forced;
  }
  if (!u.disabled && !u.forced_down) {
    return Error::invalid("status", "", "status (enabled, disabled) or forced_down (true, false)",
                          "the body names neither status nor forced_down");
  }
  return u;
}

Result<LegacyServiceRequest> parseLegacyServiceAction(const std::string& action, const json& body) {
  LegacyServiceRequest req{};
  std::set<std::string> keys = {"host", "binary"};
  const char* list = "host, binary";
  if (action == "enable") {
    req.action = LegacyServiceAction::kEnable;
    req.update.disabled = false;
  } else if (action == "disable") {
    req.action = LegacyServiceAction::kDisable;
    req.update.disabled = true;
  } else if (action == "disable-log-reason") {
    req.action = LegacyServiceAction::kDisableLogReason;
    req.update.disabled = true;
    keys.insert("disabled_reason");
    list = "host, binary, disabled_reason";
  } else if (action == "force-down") {
    req.action = LegacyServiceAction::kForceDown;
    keys.insert("forced_down");
    list = "host, binary, forced_down";
  } else {
    return Error::make(ErrorCode::kNotFound, "Unknown action " + action +
                                                 "; allowed: enable, disable, "
                                                 "disable-log-reason, force-down");
  }
  STRATUS_RETURN_IF_ERROR(onlyKeys(body, keys, list));
  auto host = stringField(body, "host");
  if (!host) return host.takeError();
  auto binary = stringField(body, "binary");
  if (!binary) return binary.takeError();
  req.host = std::move(*host);
  req.binary = std::move(*binary);
  if (req.action == LegacyServiceAction::kDisableLogReason) {
    if (!body.contains("disabled_reason"))
      return Error::invalid("disabled_reason", "", "a string of 1 to 255 characters",
                            "disable-log-reason needs a reason");
    auto reason = reasonOf(body["disabled_reason"]);
    if (!reason) return reason.takeError();
    req.update.disabled_reason = std::move(*reason);
  }
  if (req.action == LegacyServiceAction::kForceDown) {
    if (!body.contains("forced_down"))
      return Error::invalid("forced_down", "", "true, false", "force-down needs forced_down");
    auto forced = forcedDownOf(body["forced_down"]);
    if (!forced) return forced.takeError();
    req.update.forced_down = *forced;
  }
  return req;
}

std::set<std::string> traitsForStatus(const std::set<std::string>& current, bool disabled) {
  std::set<std::string> out = current;
  if (disabled) {
    out.insert(std::string(traits::kStatusDisabled));
  } else {
    out.erase(std::string(traits::kStatusDisabled));
  }
  return out;
}

Status checkServiceDeletable(const ServiceRecord& s, bool up, std::size_t servers_on_host,
                             const std::vector<std::string>& consumers) {
  if (up) {
    return Error::make(ErrorCode::kConflict,
                       "Service " + s.id + " on host " + s.host +
                           " is up: stop its agent and wait until it shows down before deleting "
                           "it.");
  }
  if (servers_on_host > 0) {
    return Error::make(ErrorCode::kConflict, "Service " + s.id + " on host " + s.host + " has " +
                                                 std::to_string(servers_on_host) +
                                                 " server(s) placed on it: delete them first.");
  }
  if (!consumers.empty()) {
    std::string list;
    for (const auto& c : consumers) list += (list.empty() ? "" : ", ") + c;
    return Error::make(ErrorCode::kConflict, "Service " + s.id + " on host " + s.host +
                                                 ": its resource providers hold allocations of " +
                                                 list + ".");
  }
  return okStatus();
}

Result<std::chrono::seconds> parseServiceDownTime(const std::string& value) {
  const bool digits = !value.empty() && value.size() <= 9 &&
                      value.find_first_not_of("0123456789") == std::string::npos &&
                      value.find_first_not_of('0') != std::string::npos;
  if (!digits) {
    return Error::invalid("[api] service_down_time", value, "a whole number of seconds, 1 or more");
  }
  return std::chrono::seconds(std::stol(value));
}

Result<std::string> parseLinkPrefix(const std::string& key, const std::string& value) {
  const char* const allowed =
      "an http:// or https:// URL with a host, optional port and path, and no query, fragment or "
      "spaces (e.g. https://cloud.example.com:8774)";
  std::string rest;
  if (value.starts_with("http://")) rest = value.substr(7);
  else if (value.starts_with("https://")) rest = value.substr(8);
  const std::string host = rest.substr(0, rest.find_first_of(":/"));
  if (rest.empty() || host.empty() || value.find_first_of("?# \t\n") != std::string::npos) {
    return Error::invalid(key, value, allowed);
  }
  if (auto colon = rest.find(':'); colon != std::string::npos && colon == host.size()) {
    const std::string port = rest.substr(colon + 1, rest.find('/', colon) - colon - 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return Error::invalid(key, value, allowed);
    }
  }
  std::string out = value;
  while (out.ends_with('/')) out.pop_back();
  return out;
}

int nextServiceNumber(const std::map<std::string, ServiceRecord>& services) {
  int highest = 0;
  for (const auto& [host, s] : services) highest = std::max(highest, s.number);
  return highest + 1;
}

json absoluteLimits(const std::map<std::string, ServerRecord>& servers,
                    const std::string& project_id, int minor) {
  std::int64_t instances = 0, cores = 0, ram = 0;
  for (const auto& [id, s] : servers) {
    if (s.project_id != project_id) continue;
    ++instances;
    cores += s.flavor.vcpus;
    ram += static_cast<std::int64_t>(s.flavor.ram_mb);
  }
  json out = {
      {"maxServerMeta", -1},         {"maxTotalCores", -1},       {"maxTotalInstances", -1},
      {"maxTotalKeypairs", -1},      {"maxTotalRAMSize", -1},     {"maxServerGroups", -1},
      {"maxServerGroupMembers", -1}, {"totalCoresUsed", cores},   {"totalInstancesUsed", instances},
      {"totalRAMUsed", ram},         {"totalServerGroupsUsed", 0}};
  if (minor < 36) {
    out["maxSecurityGroups"] = -1;
    out["maxSecurityGroupRules"] = -1;
    out["maxTotalFloatingIps"] = -1;
    out["totalSecurityGroupsUsed"] = 0;
    out["totalFloatingIpsUsed"] = 0;
  }
  if (minor < 39) out["maxImageMeta"] = -1;
  if (minor < 57) {
    out["maxPersonality"] = -1;
    out["maxPersonalitySize"] = -1;
  }
  return out;
}

}  // namespace stratus::api
