#include "api/compute_api.h"

#include <regex>
#include <set>

#include "common/uuid.h"
#include "scheduler/request_spec.h"
#include "virt/guest_request.h"
#include "virt/host_facts.h"

namespace stratus::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

const char* novaErrorName(int status) {
  switch (status) {
    case 400:
      return "badRequest";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "itemNotFound";
    case 405:
      return "methodNotAllowed";
    case 406:
      return "notAcceptable";
    case 409:
      return "conflictingRequest";
    case 413:
      return "overLimit";
    case 415:
      return "badMediaType";
    default:
      return "computeFault";
  }
}

// "compute 2.92" from OpenStack-API-Version, else the legacy header; nullopt if absent.
std::optional<std::string> requestedVersion(const HttpRequest& r) {
  if (auto h = r.header("openstack-api-version")) {
    std::string s = *h;
    std::size_t pos = 0;
    while (pos <= s.size()) {
      std::size_t comma = s.find(',', pos);
      std::string part =
          s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      while (!part.empty() && part.front() == ' ') part.erase(part.begin());
      if (part.rfind("compute ", 0) == 0) return part.substr(8);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  if (auto h = r.header("x-openstack-nova-api-version")) return *h;
  return std::nullopt;
}

std::optional<http::ApiVersion> parseVersion(const std::string& text) {
  if (text == "latest") return kComputeMaxVersion;
  const auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) return std::nullopt;
  http::ApiVersion v;
  try {
    std::size_t used = 0;
    v.major = std::stoi(text.substr(0, dot), &used);
    if (used != dot) return std::nullopt;
    v.minor = std::stoi(text.substr(dot + 1), &used);
    if (used != text.size() - dot - 1) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  return v;
}

std::string invalidField(const std::string& field, const json& value, const std::string& why) {
  return "Invalid input for field/attribute " + field +
         ". Value: " + (value.is_string() ? value.get<std::string>() : value.dump()) + ". " + why;
}

// Nova takes integers, or strings of digits, for flavor sizes.
std::optional<std::int64_t> intValue(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty() || s.size() > 18) return std::nullopt;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    return std::stoll(s);
  }
  return std::nullopt;
}

std::optional<std::string> checkSize(const json& body, const std::string& key, std::int64_t min,
                                     std::int64_t& out, bool required) {
  if (!body.contains(key)) {
    if (required) return "'" + key + "' is a required property";
    return std::nullopt;
  }
  auto v = intValue(body[key]);
  if (!v)
    return invalidField(key, body[key],
                        "It must be a whole number of at least " + std::to_string(min) + ".");
  if (*v < min) {
    return invalidField(
        key, body[key],
        std::to_string(*v) + " is less than the minimum of " + std::to_string(min) + ".");
  }
  out = *v;
  return std::nullopt;
}

bool validFlavorId(const std::string& id) {
  if (id.empty() || id.size() > 255 || id.front() == ' ' || id.back() == ' ') return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ' ' || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> checkName(const json& v, const std::string& field) {
  if (!v.is_string()) return invalidField(field, v, "It must be a string.");
  const std::string s = v.get<std::string>();
  if (s.empty()) return invalidField(field, v, "It must be 1 to 255 characters long; it is empty.");
  if (s.size() > 255) return invalidField(field, v, "It is too long: 1 to 255 characters allowed.");
  if (s.front() == ' ' || s.back() == ' ') {
    return invalidField(field, v, "It must not start or end with a space.");
  }
  return std::nullopt;
}

// [{"rel": "self", "href": BASE/v2.1/COLLECTION/ID}]
json selfLinks(const std::string& base, const std::string& collection, const std::string& id) {
  return json::array({{{"rel", "self"}, {"href", base + "/v2.1/" + collection + "/" + id}}});
}

bool isNoneString(const std::string& s) {
  return s == "None" || s == "none";
}

}  // namespace

HttpResponse novaError(int status, const std::string& message) {
  return jsonResponse(status, {{novaErrorName(status), {{"code", status}, {"message", message}}}});
}

ComputeApi::ComputeApi(CloudState& state, ApiOptions options)
    : state_(state), options_(std::move(options)) {
  addRoutes();
}

HttpResponse ComputeApi::errorFor(int status, const std::string& message) const {
  return novaError(status, message);
}

void ComputeApi::addRoutes() {
  auto bind = [this](auto fn) {
    return
        [this, fn](const HttpRequest& r, const http::PathParams& p) { return (this->*fn)(r, p); };
  };
  http::RouteOptions nobody{0, false};
  router_.add("GET", "/", bind(&ComputeApi::versions), nobody);
  router_.add("GET", "/v2.1", bind(&ComputeApi::version), nobody);
  router_.add(
      "GET", "/v2.1/flavors/detail",
      [this](const HttpRequest& r, const http::PathParams& p) { return listFlavors(r, p, true); },
      nobody);
  router_.add(
      "GET", "/v2.1/flavors",
      [this](const HttpRequest& r, const http::PathParams& p) { return listFlavors(r, p, false); },
      nobody);
  router_.add("POST", "/v2.1/flavors", bind(&ComputeApi::createFlavor));
  router_.add("GET", "/v2.1/flavors/{id}", bind(&ComputeApi::showFlavor), nobody);
  router_.add("DELETE", "/v2.1/flavors/{id}", bind(&ComputeApi::deleteFlavor), nobody);
  router_.add("GET", "/v2.1/flavors/{id}/os-extra_specs", bind(&ComputeApi::listExtraSpecs),
              nobody);
  router_.add("POST", "/v2.1/flavors/{id}/os-extra_specs", bind(&ComputeApi::addExtraSpecs));
  router_.add("GET", "/v2.1/flavors/{id}/os-extra_specs/{key}", bind(&ComputeApi::showExtraSpec),
              nobody);
  router_.add("PUT", "/v2.1/flavors/{id}/os-extra_specs/{key}", bind(&ComputeApi::putExtraSpec));
  router_.add("DELETE", "/v2.1/flavors/{id}/os-extra_specs/{key}",
              bind(&ComputeApi::deleteExtraSpec), nobody);
  router_.add(
      "GET", "/v2.1/servers/detail",
      [this](const HttpRequest& r, const http::PathParams& p) { return listServers(r, p, true); },
      nobody);
  router_.add(
      "GET", "/v2.1/servers",
      [this](const HttpRequest& r, const http::PathParams& p) { return listServers(r, p, false); },
      nobody);
  router_.add("POST", "/v2.1/servers", bind(&ComputeApi::createServer));
  router_.add("GET", "/v2.1/servers/{id}", bind(&ComputeApi::showServer), nobody);
  router_.add("DELETE", "/v2.1/servers/{id}", bind(&ComputeApi::deleteServer), nobody);
  router_.add(
      "GET", "/v2.1/os-hypervisors/detail",
      [this](const HttpRequest& r, const http::PathParams& p) {
        return listHypervisors(r, p, true);
      },
      nobody);
  router_.add(
      "GET", "/v2.1/os-hypervisors",
      [this](const HttpRequest& r, const http::PathParams& p) {
        return listHypervisors(r, p, false);
      },
      nobody);
  router_.add("GET", "/v2.1/os-hypervisors/{id}", bind(&ComputeApi::showHypervisor), nobody);
  router_.add("GET", "/v2.1/os-hypervisors/{id}/uptime", bind(&ComputeApi::hypervisorUptime),
              nobody);
  router_.add("GET", "/v2.1/os-aggregates", bind(&ComputeApi::listAggregates), nobody);
  router_.add("PUT", "/stratus/v1/hosts/{host}", bind(&ComputeApi::reportHost));
  router_.add("GET", "/stratus/v1/hosts/{host}/tasks", bind(&ComputeApi::hostTasks), nobody);
  router_.add("POST", "/stratus/v1/servers/{id}/events", bind(&ComputeApi::serverEvent));
}

HttpResponse ComputeApi::handle(HttpRequest& r) {
  if (r.request_id.empty()) r.request_id = "req-" + newUuid();
  HttpResponse res = [&]() -> HttpResponse {
    std::string path = r.path;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    r.version = kComputeMinVersion;
    if (auto asked = requestedVersion(r)) {
      auto v = parseVersion(*asked);
      if (!v) {
        return novaError(400, "Invalid API version request string: '" + *asked +
                                  "'; allowed: 2.1 to " + kComputeMaxVersion.str() + " or latest");
      }
      if (*v < kComputeMinVersion || *v > kComputeMaxVersion) {
        return novaError(406, "Version " + *asked + " is not supported by the API. Minimum is " +
                                  kComputeMinVersion.str() + " and maximum is " +
                                  kComputeMaxVersion.str() + ".");
      }
      r.version = *v;
    }
    auto match = router_.match(r.method, path);
    if (match.kind == http::Router::Match::Kind::kNoPath) {
      return novaError(404, "The resource could not be found.");
    }
    if (match.kind == http::Router::Match::Kind::kNoMethod) {
      auto res = novaError(405, "The method " + r.method + " is not allowed for " + r.path +
                                    "; allowed: " + match.allowed);
      res.setHeader("Allow", match.allowed);
      return res;
    }
    // Version documents are public; everything else needs a token.
    const bool version_doc = path == "/" || path == "/v2.1";
    if (!version_doc) {
      auto who = authenticate(r, options_);
      if (!who) return novaError(401, "Authentication required: send a valid X-Auth-Token.");
      r.auth = {who->admin, who->user_id, who->project_id};
    }
    if (match.options.takes_body) {
      auto ct = r.header("content-type").value_or("");
      if (ct.rfind("application/json", 0) != 0) {
        return novaError(
            415, "The request body must be application/json; got Content-Type '" + ct + "'.");
      }
    }
    return (*match.handler)(r, match.params);
  }();
  res.setHeader("x-openstack-request-id", r.request_id);
  res.setHeader("x-compute-request-id", r.request_id);
  res.setHeader("OpenStack-API-Version", "compute " + r.version.str());
  res.setHeader("X-OpenStack-Nova-API-Version", r.version.str());
  res.setHeader("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
  return res;
}

Caller ComputeApi::caller(const HttpRequest& r) const {
  return {r.auth.admin, r.auth.user_id, r.auth.project_id};
}

// ---------------------------------------------------------------- versions

namespace {
json versionObject(const std::string& base) {
  return {{"id", "v2.1"},
          {"status", "CURRENT"},
          {"version", kComputeMaxVersion.str()},
          {"min_version", kComputeMinVersion.str()},
          {"updated", "2013-07-23T11:33:21Z"},
          {"links", json::array({{{"rel", "self"}, {"href", base + "/v2.1/"}}})},
          {"media-types",
           json::array({{{"base", "application/json"},
                         {"type", "application/vnd.openstack.compute+json;version=2.1"}}})}};
}
}  // namespace

HttpResponse ComputeApi::versions(const HttpRequest&, const http::PathParams&) {
  return jsonResponse(200, {{"versions", json::array({versionObject(options_.compute_url)})}});
}

HttpResponse ComputeApi::version(const HttpRequest&, const http::PathParams&) {
  return jsonResponse(200, {{"version", versionObject(options_.compute_url)}});
}

// ---------------------------------------------------------------- flavors

json ComputeApi::renderFlavor(const FlavorRecord& f, const HttpRequest& r) const {
  json out = {{"id", f.id},
              {"name", f.name},
              {"ram", f.ram_mb},
              {"disk", f.disk_gb},
              {"vcpus", f.vcpus},
              {"OS-FLV-EXT-DATA:ephemeral", f.ephemeral_gb},
              {"OS-FLV-DISABLED:disabled", false},
              {"os-flavor-access:is_public", f.is_public},
              {"rxtx_factor", f.rxtx_factor},
              {"links", selfLinks(options_.compute_url, "flavors", f.id)}};
  if (r.version.atLeast(75)) {
    out["swap"] = f.swap_mb;
  } else {
    out["swap"] = f.swap_mb == 0 ? json("") : json(f.swap_mb);
  }
  if (r.version.atLeast(55))
    out["description"] = f.description.empty() ? json() : json(f.description);
  if (r.version.atLeast(61)) out["extra_specs"] = f.extra_specs;
  return out;
}

HttpResponse ComputeApi::listFlavors(const HttpRequest& r, const http::PathParams&, bool detail) {
  std::optional<bool> is_public = true;
  for (const auto& [k, v] : r.query) {
    if (k == "is_public") {
      if (isNoneString(v)) {
        is_public.reset();
      } else if (v == "True" || v == "true" || v == "1" || v == "yes") {
        is_public = true;
      } else if (v == "False" || v == "false" || v == "0" || v == "no") {
        is_public = false;
      } else {
        return novaError(400, "Invalid is_public filter [" + v + "]; allowed: True, False, None");
      }
    } else if (k != "limit" && k != "marker" && k != "sort_key" && k != "sort_dir" &&
               k != "minDisk" && k != "minRam") {
      return novaError(400, "Invalid query parameter '" + k +
                                "'; allowed: is_public, limit, marker, sort_key, sort_dir, "
                                "minDisk, minRam");
    }
  }
  std::lock_guard lock(state_.mu);
  json list = json::array();
  for (const auto& [id, f] : state_.flavors) {
    if (is_public && f.is_public != *is_public) continue;
    if (detail) {
      list.push_back(renderFlavor(f, r));
    } else {
      json entry = {{"id", f.id},
                    {"name", f.name},
                    {"links", selfLinks(options_.compute_url, "flavors", f.id)}};
      if (r.version.atLeast(55))
        entry["description"] = f.description.empty() ? json() : json(f.description);
      list.push_back(entry);
    }
  }
  return jsonResponse(200, {{"flavors", list}});
}

HttpResponse ComputeApi::createFlavor(const HttpRequest& r, const http::PathParams&) {
  if (!r.auth.admin)
    return novaError(
        403, "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return novaError(400, why);
  if (!doc->contains("flavor") || !(*doc)["flavor"].is_object()) {
    return novaError(400, "Invalid input: 'flavor' is a required object");
  }
  const json& body = (*doc)["flavor"];
  static const std::set<std::string> known = {"name",
                                              "id",
                                              "ram",
                                              "vcpus",
                                              "disk",
                                              "swap",
                                              "OS-FLV-EXT-DATA:ephemeral",
                                              "rxtx_factor",
                                              "os-flavor-access:is_public",
                                              "description"};
  for (const auto& [k, v] : body.items()) {
    if (!known.contains(k) || (k == "description" && !r.version.atLeast(55))) {
      return novaError(400,
                       "Invalid input for flavor: additional property '" + k +
                           "' is not allowed; allowed: name, id, ram, vcpus, disk, swap, "
                           "OS-FLV-EXT-DATA:ephemeral, rxtx_factor, os-flavor-access:is_public" +
                           (r.version.atLeast(55) ? ", description" : ""));
    }
  }
  if (!body.contains("name"))
    return novaError(400, "Invalid input for flavor: 'name' is a required property");
  if (auto e = checkName(body["name"], "name")) return novaError(400, *e);
  FlavorRecord f;
  f.name = body["name"].get<std::string>();
  std::int64_t ram = 0, vcpus = 0, disk = 0, eph = 0, swap = 0;
  if (auto e = checkSize(body, "ram", 1, ram, true)) return novaError(400, *e);
  if (auto e = checkSize(body, "vcpus", 1, vcpus, true)) return novaError(400, *e);
  if (auto e = checkSize(body, "disk", 0, disk, true)) return novaError(400, *e);
  if (auto e = checkSize(body, "OS-FLV-EXT-DATA:ephemeral", 0, eph, false))
    return novaError(400, *e);
  if (body.contains("swap") &&
      !(body["swap"].is_string() && body["swap"].get<std::string>().empty())) {
    if (auto e = checkSize(body, "swap", 0, swap, false)) return novaError(400, *e);
  }
  if (vcpus > 4096)
    return novaError(400, invalidField("vcpus", body["vcpus"], "It must be at most 4096."));
  f.ram_mb = static_cast<std::uint64_t>(ram);
  f.vcpus = static_cast<unsigned>(vcpus);
  f.disk_gb = static_cast<std::uint64_t>(disk);
  f.ephemeral_gb = eph;
  f.swap_mb = swap;
  if (body.contains("rxtx_factor")) {
    if (!body["rxtx_factor"].is_number() || body["rxtx_factor"].get<double>() <= 0) {
      return novaError(400, invalidField("rxtx_factor", body["rxtx_factor"],
                                         "It must be a number greater than 0."));
    }
    f.rxtx_factor = body["rxtx_factor"].get<double>();
  }
  if (body.contains("os-flavor-access:is_public")) {
    const json& v = body["os-flavor-access:is_public"];
    if (!v.is_boolean())
      return novaError(400,
                       invalidField("os-flavor-access:is_public", v, "It must be true or false."));
    f.is_public = v.get<bool>();
  }
  if (body.contains("description") && !body["description"].is_null()) {
    if (!body["description"].is_string() || body["description"].get<std::string>().size() > 65535) {
      return novaError(400, invalidField("description", body["description"],
                                         "It must be a string of at most 65535 characters."));
    }
    f.description = body["description"].get<std::string>();
  }
  if (body.contains("id") && !body["id"].is_null()) {
    if (!body["id"].is_string() || !validFlavorId(body["id"].get<std::string>())) {
      return novaError(
          400, invalidField("id", body["id"],
                            "It must be 1 to 255 letters, digits, '.', '_', '-' or inner spaces."));
    }
    f.id = body["id"].get<std::string>();
  } else {
    f.id = newUuid();
  }
  std::lock_guard lock(state_.mu);
  for (const auto& [id, other] : state_.flavors) {
    if (other.name == f.name)
      return novaError(409, "Flavor with name " + f.name + " already exists.");
  }
  if (state_.flavors.contains(f.id))
    return novaError(409, "Flavor with ID " + f.id + " already exists.");
  if (auto s = state_.save(f); !s) return novaError(500, s.error().message);
  return jsonResponse(200, {{"flavor", renderFlavor(f, r)}});
}

HttpResponse ComputeApi::showFlavor(const HttpRequest& r, const http::PathParams& p) {
  std::lock_guard lock(state_.mu);
  auto it = state_.flavors.find(p[0]);
  if (it == state_.flavors.end()) return novaError(404, "Flavor " + p[0] + " could not be found.");
  return jsonResponse(200, {{"flavor", renderFlavor(it->second, r)}});
}

HttpResponse ComputeApi::deleteFlavor(const HttpRequest& r, const http::PathParams& p) {
  if (!r.auth.admin)
    return novaError(
        403, "Policy doesn't allow os_compute_api:os-flavor-manage:delete to be performed.");
  std::lock_guard lock(state_.mu);
  if (!state_.flavors.contains(p[0]))
    return novaError(404, "Flavor " + p[0] + " could not be found.");
  if (auto s = state_.eraseFlavor(p[0]); !s) return novaError(500, s.error().message);
  return emptyResponse(202);
}

HttpResponse ComputeApi::listExtraSpecs(const HttpRequest&, const http::PathParams& p) {
  std::lock_guard lock(state_.mu);
  auto it = state_.flavors.find(p[0]);
  if (it == state_.flavors.end()) return novaError(404, "Flavor " + p[0] + " could not be found.");
  return jsonResponse(200, {{"extra_specs", it->second.extra_specs}});
}

namespace {
// Key shape as Nova allows it, then the rules of virt/ for the keys Stratus understands.
std::optional<std::string> checkExtraSpec(const std::string& key, const json& value) {
  if (key.empty() || key.size() > 255) {
    return "Invalid extra spec key '" + key + "': it must be 1 to 255 characters";
  }
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
          c == '.' || c == ' ')) {
      return "Invalid extra spec key '" + key +
             "': allowed characters are letters, digits, '-', '_', ':', '.' and space";
    }
  }
  if (!value.is_string()) {
    return "Invalid extra spec " + key + "=" + value.dump() + ": values must be strings";
  }
  const std::string v = value.get<std::string>();
  if (v.size() > 255)
    return "Invalid extra spec " + key + ": the value is longer than 255 characters";
  if (auto s = virt::validateExtraSpec(key, v); !s) return s.error().message;
  return std::nullopt;
}
}  // namespace

HttpResponse ComputeApi::addExtraSpecs(const HttpRequest& r, const http::PathParams& p) {
  if (!r.auth.admin)
    return novaError(
        403, "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed.");
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return novaError(400, why);
  if (doc->size() != 1 || !doc->contains("extra_specs") || !(*doc)["extra_specs"].is_object()) {
    return novaError(400, "Invalid input: the body must be {\"extra_specs\": {KEY: VALUE, ...}}");
  }
  const json& specs = (*doc)["extra_specs"];
  for (const auto& [k, v] : specs.items()) {
    if (auto e = checkExtraSpec(k, v)) return novaError(400, *e);
  }
  std::lock_guard lock(state_.mu);
  auto it = state_.flavors.find(p[0]);
  if (it == state_.flavors.end()) return novaError(404, "Flavor " + p[0] + " could not be found.");
  FlavorRecord f = it->second;
  for (const auto& [k, v] : specs.items()) f.extra_specs[k] = v.get<std::string>();
  if (auto s = state_.save(f); !s) return novaError(500, s.error().message);
  return jsonResponse(200, {{"extra_specs", specs}});
}

HttpResponse ComputeApi::showExtraSpec(const HttpRequest&, const http::PathParams& p) {
  std::lock_guard lock(state_.mu);
  auto it = state_.flavors.find(p[0]);
  if (it == state_.flavors.end()) return novaError(404, "Flavor " + p[0] + " could not be found.");
  auto spec = it->second.extra_specs.find(p[1]);
  if (spec == it->second.extra_specs.end()) {
    return novaError(404, "Flavor " + p[0] + " has no extra specs with key " + p[1] + ".");
  }
  return jsonResponse(200, {{p[1], spec->second}});
}

HttpResponse ComputeApi::putExtraSpec(const HttpRequest& r, const http::PathParams& p) {
  if (!r.auth.admin)
    return novaError(
        403, "Policy doesn't allow os_compute_api:os-flavor-extra-specs:update to be performed.");
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return novaError(400, why);
  if (doc->size() != 1 || !doc->contains(p[1])) {
    return novaError(
        400, "Invalid input: the body must be {\"" + p[1] + "\": VALUE}, one key matching the URL");
  }
  if (auto e = checkExtraSpec(p[1], (*doc)[p[1]])) return novaError(400, *e);
  std::lock_guard lock(state_.mu);
  auto it = state_.flavors.find(p[0]);
  if (it == state_.flavors.end()) return novaError(404, "Flavor " + p[0] + " could not be found.");
  FlavorRecord f = it->second;
  f.extra_specs[p[1]] = (*doc)[p[1]].get<std::string>();
  if (auto s = state_.save(f); !s) return novaError(500, s.error().message);
  return jsonResponse(200, *doc);
}

HttpResponse ComputeApi::deleteExtraSpec(const HttpRequest& r, const http::PathParams& p) {
  if (!r.auth.admin)
    return novaError(
        403, "Policy doesn't allow os_compute_api:os-flavor-extra-specs:delete to be performed.");
  std::lock_guard lock(state_.mu);
  auto it = state_.flavors.find(p[0]);
  if (it == state_.flavors.end()) return novaError(404, "Flavor " + p[0] + " could not be found.");
  FlavorRecord f = it->second;
  if (f.extra_specs.erase(p[1]) == 0) {
    return novaError(404, "Flavor " + p[0] + " has no extra specs with key " + p[1] + ".");
  }
  if (auto s = state_.save(f); !s) return novaError(500, s.error().message);
  return emptyResponse(200);
}

// ---------------------------------------------------------------- servers

json ComputeApi::renderServer(const ServerRecord& s, const HttpRequest& r) const {
  std::string vm_state = s.status == "ACTIVE"  ? "active"
                         : s.status == "ERROR" ? "error"
                                               : "building";
  json task = s.task == ServerTask::kNone ? json() : json(std::string(serverTaskName(s.task)));
  json out = {
      {"id", s.id},
      {"name", s.name},
      {"status", s.status},
      {"tenant_id", s.project_id},
      {"user_id", s.user_id},
      {"metadata", s.metadata},
      {"hostId", s.host.empty() ? "" : s.host},
      {"image",
       {{"id", s.image_id},
        {"links", json::array({{{"rel", "bookmark"},
                                {"href", options_.compute_url + "/images/" + s.image_id}}})}}},
      {"created", s.created},
      {"updated", s.updated},
      {"addresses", json::object()},
      {"accessIPv4", ""},
      {"accessIPv6", ""},
      {"links", selfLinks(options_.compute_url, "servers", s.id)},
      {"OS-DCF:diskConfig", "MANUAL"},
      {"OS-EXT-AZ:availability_zone", "nova"},
      {"config_drive", ""},
      {"key_name", nullptr},
      {"progress", 0},
      {"OS-SRV-USG:launched_at", s.launched_at.empty() ? json() : json(s.launched_at)},
      {"OS-SRV-USG:terminated_at", nullptr},
      {"OS-EXT-SRV-ATTR:host", s.host.empty() ? json() : json(s.host)},
      {"OS-EXT-SRV-ATTR:hypervisor_hostname", s.host.empty() ? json() : json(s.host)},
      {"OS-EXT-SRV-ATTR:instance_name", s.instanceName()},
      {"OS-EXT-STS:vm_state", vm_state},
      {"OS-EXT-STS:task_state", task},
      {"OS-EXT-STS:power_state", s.power_state},
      {"os-extended-volumes:volumes_attached", json::array()},
      {"security_groups", json::array()},
      {"stratus:viommu_model_requested", s.viommu_requested},
      {"stratus:viommu_model_resolved",
       s.viommu_resolved.empty() ? json() : json(s.viommu_resolved)},
  };
  if (r.version.atLeast(47)) {
    out["flavor"] = {{"original_name", s.flavor.name},
                     {"vcpus", s.flavor.vcpus},
                     {"ram", s.flavor.ram_mb},
                     {"disk", s.flavor.disk_gb},
                     {"ephemeral", s.flavor.ephemeral_gb},
                     {"swap", s.flavor.swap_mb},
                     {"extra_specs", s.flavor.extra_specs}};
  } else {
    out["flavor"] = {
        {"id", s.flavor.id},
        {"links", json::array({{{"rel", "bookmark"},
                                {"href", options_.compute_url + "/flavors/" + s.flavor.id}}})}};
  }
  if (r.version.atLeast(9)) out["locked"] = false;
  if (r.version.atLeast(19)) out["description"] = nullptr;
  if (r.version.atLeast(26)) out["tags"] = json::array();
  if (r.version.atLeast(63)) out["trusted_image_certificates"] = nullptr;
  if (r.version.atLeast(73)) out["locked_reason"] = nullptr;
  if (s.status == "ERROR" && !s.fault_message.empty()) {
    out["fault"] = {
        {"code", s.fault_code}, {"message", s.fault_message}, {"created", s.fault_created}};
  }
  return out;
}

HttpResponse ComputeApi::listServers(const HttpRequest& r, const http::PathParams&, bool detail) {
  std::optional<std::regex> name_filter;
  std::optional<std::string> status_filter, host_filter;
  for (const auto& [k, v] : r.query) {
    if (k == "name") {
      try {
        name_filter = std::regex(v);
      } catch (const std::regex_error&) {
        return novaError(400, "Invalid name filter '" + v + "': not a valid regular expression");
      }
    } else if (k == "status") {
      static const std::set<std::string> statuses = {"BUILD", "ACTIVE", "ERROR"};
      if (!statuses.contains(v))
        return novaError(400, "Invalid status filter '" + v + "'; allowed: BUILD, ACTIVE, ERROR");
      status_filter = v;
    } else if (k == "host") {
      host_filter = v;
    } else if (k != "all_tenants" && k != "limit" && k != "marker" && k != "deleted") {
      return novaError(400, "Invalid query parameter '" + k +
                                "'; allowed: name, status, host, all_tenants, limit, marker");
    }
  }
  std::lock_guard lock(state_.mu);
  json list = json::array();
  for (const auto& [id, s] : state_.servers) {
    if (!r.auth.admin && s.project_id != r.auth.project_id) continue;
    if (name_filter && !std::regex_search(s.name, *name_filter)) continue;
    if (status_filter && s.status != *status_filter) continue;
    if (host_filter && s.host != *host_filter) continue;
    if (detail) {
      list.push_back(renderServer(s, r));
    } else {
      list.push_back({{"id", s.id},
                      {"name", s.name},
                      {"links", selfLinks(options_.compute_url, "servers", s.id)}});
    }
  }
  return jsonResponse(200, {{"servers", list}});
}

HttpResponse ComputeApi::createServer(const HttpRequest& r, const http::PathParams&) {
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return novaError(400, why);
  if (!doc->contains("server") || !(*doc)["server"].is_object()) {
    return novaError(400, "Invalid input: 'server' is a required object");
  }
  const json& body = (*doc)["server"];
  static const std::set<std::string> known = {"name",      "imageRef",    "flavorRef",
                                              "min_count", "max_count",   "networks",
                                              "metadata",  "description", "return_reservation_id"};
  for (const auto& [k, v] : body.items()) {
    if (!known.contains(k)) {
      return novaError(400,
                       "Invalid input for server: '" + k +
                           "' is not supported by Stratus; allowed: name, imageRef, flavorRef, "
                           "min_count, max_count, networks, metadata, description");
    }
  }
  if (!body.contains("name"))
    return novaError(400, "Invalid input for server: 'name' is a required property");
  if (auto e = checkName(body["name"], "name")) return novaError(400, *e);
  for (const char* k : {"min_count", "max_count"}) {
    if (body.contains(k)) {
      auto v = intValue(body[k]);
      if (!v || *v < 1)
        return novaError(400, invalidField(k, body[k], "It must be a whole number of at least 1."));
      if (*v > 1)
        return novaError(
            400, invalidField(k, body[k], "Stratus boots one server per request; allowed: 1."));
    }
  }
  if (body.contains("networks")) {
    const json& n = body["networks"];
    const bool word = n.is_string() && (n == "none" || n == "auto");
    if (word && !r.version.atLeast(37)) {
      return novaError(
          400, invalidField("networks", n, "'none' and 'auto' need microversion 2.37 or later."));
    }
    if (!word && !(n.is_array() && n.empty())) {
      return novaError(
          400, invalidField(
                   "networks", n,
                   "Stratus has no networking; allowed: \"none\", \"auto\" (no network) or []."));
    }
  } else if (r.version.atLeast(37)) {
    return novaError(400,
                     "Invalid input for server: 'networks' is a required property from "
                     "microversion 2.37; allowed: \"none\" or \"auto\"");
  }
  std::map<std::string, std::string> metadata;
  if (body.contains("metadata")) {
    if (!body["metadata"].is_object())
      return novaError(
          400, invalidField("metadata", body["metadata"], "It must be an object of strings."));
    for (const auto& [k, v] : body["metadata"].items()) {
      if (!v.is_string() || k.empty() || k.size() > 255 || v.get<std::string>().size() > 255) {
        return novaError(
            400,
            invalidField("metadata", body["metadata"],
                         "Keys and values must be strings of 1 to 255 and 0 to 255 characters."));
      }
      metadata[k] = v.get<std::string>();
    }
  }
  for (const char* k : {"imageRef", "flavorRef"}) {
    if (!body.contains(k))
      return novaError(400,
                       std::string("Invalid input for server: '") + k + "' is a required property");
    if (!body[k].is_string() || body[k].get<std::string>().empty()) {
      return novaError(400, invalidField(k, body[k], "It must be a non-empty string."));
    }
  }
  // A flavorRef may be a link; the id is its last segment, as in Nova.
  std::string flavor_ref = body["flavorRef"].get<std::string>();
  if (auto slash = flavor_ref.rfind('/'); slash != std::string::npos)
    flavor_ref = flavor_ref.substr(slash + 1);
  std::string image_ref = body["imageRef"].get<std::string>();
  if (auto slash = image_ref.rfind('/'); slash != std::string::npos)
    image_ref = image_ref.substr(slash + 1);

  std::unique_lock lock(state_.mu);
  auto flavor = state_.flavors.find(flavor_ref);
  if (flavor == state_.flavors.end())
    return novaError(400, "Flavor " + flavor_ref + " could not be found: invalid flavorRef.");
  auto image = state_.images.find(image_ref);
  if (image == state_.images.end())
    return novaError(400, "Can not find requested image " + image_ref + ": invalid imageRef.");
  if (image->second.status != "active") {
    return novaError(400, "Image " + image_ref + " is not active (status " + image->second.status +
                              "): upload its data first.");
  }
  virt::Flavor vf{flavor->second.name, flavor->second.vcpus, flavor->second.ram_mb,
                  flavor->second.disk_gb, flavor->second.extra_specs};
  auto spec = scheduler::buildRequestSpec(vf, image->second.properties, options_.virt);
  if (!spec) return novaError(400, spec.error().message);

  ServerRecord s;
  s.id = newUuid();
  s.name = body["name"].get<std::string>();
  s.project_id = r.auth.project_id;
  s.user_id = r.auth.user_id;
  s.image_id = image_ref;
  s.image_properties = image->second.properties;
  s.flavor = flavor->second;
  s.metadata = std::move(metadata);
  s.viommu_requested = std::string(virt::viommuModelName(spec->guest.viommu.value));
  s.created = isoNow();
  s.status = "BUILD";
  s.task = ServerTask::kScheduling;
  if (auto st = state_.save(s); !st) return novaError(500, st.error().message);
  lock.unlock();
  state_.work.notify_all();
  return jsonResponse(
      202, {{"server",
             {{"id", s.id},
              {"links", json::array({{{"rel", "self"},
                                      {"href", options_.compute_url + "/v2.1/servers/" + s.id}}})},
              {"OS-DCF:diskConfig", "MANUAL"},
              {"security_groups", json::array()}}}});
}

HttpResponse ComputeApi::showServer(const HttpRequest& r, const http::PathParams& p) {
  std::lock_guard lock(state_.mu);
  auto it = state_.servers.find(p[0]);
  if (it == state_.servers.end() || (!r.auth.admin && it->second.project_id != r.auth.project_id)) {
    return novaError(404, "Instance " + p[0] + " could not be found.");
  }
  return jsonResponse(200, {{"server", renderServer(it->second, r)}});
}

HttpResponse ComputeApi::deleteServer(const HttpRequest& r, const http::PathParams& p) {
  std::unique_lock lock(state_.mu);
  auto it = state_.servers.find(p[0]);
  if (it == state_.servers.end() || (!r.auth.admin && it->second.project_id != r.auth.project_id)) {
    return novaError(404, "Instance " + p[0] + " could not be found.");
  }
  if (it->second.task != ServerTask::kDeleting) {
    ServerRecord s = it->second;
    s.task = ServerTask::kDeleting;
    if (auto st = state_.save(s); !st) return novaError(500, st.error().message);
  }
  lock.unlock();
  state_.work.notify_all();
  return emptyResponse(204);
}

// ---------------------------------------------------------------- hypervisors

json ComputeApi::renderHypervisor(const HostRecord& h, bool detail, const HttpRequest&) const {
  const bool up = unixNow() - h.last_report_unix <= options_.host_down_after.count();
  json out = {{"id", h.id},
              {"hypervisor_hostname", h.name},
              {"state", up ? "up" : "down"},
              {"status", "enabled"}};
  if (!detail) return out;
  auto facts = virt::hostFactsFromJson(h.facts);
  out["hypervisor_type"] = "QEMU";
  out["host_ip"] = "127.0.0.1";
  out["service"] = {{"host", h.name}, {"id", h.id}, {"disabled_reason", nullptr}};
  if (facts) {
    const virt::Version& q = facts->qemu_version;
    out["hypervisor_version"] = q.major * 1000000 + q.minor * 1000 + q.micro;
    out["stratus:virt_type"] = virt::virtTypeName(facts->virt_type);
    out["stratus:libvirt_version"] = facts->libvirt_version.str();
  }
  out["stratus:host_facts"] = h.facts;
  return out;
}

HttpResponse ComputeApi::listHypervisors(const HttpRequest& r, const http::PathParams&,
                                         bool detail) {
  std::lock_guard lock(state_.mu);
  json list = json::array();
  for (const auto& [name, h] : state_.hosts) list.push_back(renderHypervisor(h, detail, r));
  return jsonResponse(200, {{"hypervisors", list}});
}

HttpResponse ComputeApi::hypervisorWithUptime(const HttpRequest& r, const std::string& id,
                                              bool detail) const {
  if (!isCanonicalUuid(id)) {
    return novaError(400,
                     "Invalid uuid " + id + ": hypervisor ids are UUIDs from microversion 2.53.");
  }
  std::lock_guard lock(state_.mu);
  for (const auto& [name, h] : state_.hosts) {
    if (h.id != id) continue;
    json out = renderHypervisor(h, detail, r);
    out["uptime"] = h.uptime;
    return jsonResponse(200, {{"hypervisor", out}});
  }
  return novaError(404, "Hypervisor with ID " + id + " could not be found.");
}

HttpResponse ComputeApi::showHypervisor(const HttpRequest& r, const http::PathParams& p) {
  return hypervisorWithUptime(r, p[0], true);
}

HttpResponse ComputeApi::hypervisorUptime(const HttpRequest& r, const http::PathParams& p) {
  return hypervisorWithUptime(r, p[0], false);
}

HttpResponse ComputeApi::listAggregates(const HttpRequest&, const http::PathParams&) {
  return jsonResponse(200, {{"aggregates", json::array()}});
}

}  // namespace stratus::api
