// Flavors: list and show (Nova's flavors.py), create and delete (flavor_manage.py).
#include "api/compute/handlers.h"
#include "api/compute/schemas.h"
#include "api/compute/views.h"
#include "common/uuid.h"

namespace stratus::api::compute {
namespace {

using nlohmann::json;

bool isNoneString(const std::string& s) {
  return s == "None" || s == "none";
}

enum class Shown { kPublic, kPrivate, kAll };

// is_public=True/False/None as Nova reads it; public ones when not given.
Result<Shown> publicFilter(const HttpRequest& r) {
  Shown is_public = Shown::kPublic;
  for (const auto& [k, v] : r.query) {
    if (k == "is_public") {
      if (isNoneString(v)) {
        is_public = Shown::kAll;
      } else if (v == "True" || v == "true" || v == "1" || v == "yes") {
        is_public = Shown::kPublic;
      } else if (v == "False" || v == "false" || v == "0" || v == "no") {
        is_public = Shown::kPrivate;
      } else {
        return badRequest("Invalid is_public filter [" + v + "]; allowed: True, False, None");
      }
    } else if (k != "limit" && k != "marker" && k != "sort_key" && k != "sort_dir" &&
               k != "minDisk" && k != "minRam") {
      return badRequest("Invalid query parameter '" + k +
                        "'; allowed: is_public, limit, marker, sort_key, sort_dir, "
                        "minDisk, minRam");
    }
  }
  return is_public;
}

Reply flavorList(const Context& c, const HttpRequest& r, bool detail) {
  auto is_public = publicFilter(r);
  if (!is_public) return is_public.takeError();
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  json list = json::array();
  for (const auto& [id, f] : c.state.flavors) {
    if (*is_public != Shown::kAll && f.is_public != (*is_public == Shown::kPublic)) continue;
    list.push_back(detail ? flavorDetail(f, r, c.options) : flavorSummary(f, r, c.options));
  }
  return jsonResponse(200, {{"flavors", list}});
}

// The record a checked create body describes; the id is new unless one is given.
FlavorRecord flavorFrom(const json& body) {
  FlavorRecord f;
  f.name = body["name"].get<std::string>();
  f.ram_mb = static_cast<std::uint64_t>(http::numberOf(body["ram"]));
  f.vcpus = static_cast<unsigned>(http::numberOf(body["vcpus"]));
  f.disk_gb = static_cast<std::uint64_t>(http::numberOf(body["disk"]));
  auto size = [&](const char* key) -> std::int64_t {
    if (!body.contains(key)) return 0;
    const json& v = body[key];
    if (v.is_string() && v.get<std::string>().empty()) return 0;
    return static_cast<std::int64_t>(http::numberOf(v));
  };
  f.ephemeral_gb = size("OS-FLV-EXT-DATA:ephemeral");
  f.swap_mb = size("swap");
  if (body.contains("rxtx_factor")) f.rxtx_factor = body["rxtx_factor"].get<double>();
  if (body.contains("os-flavor-access:is_public"))
    f.is_public = body["os-flavor-access:is_public"].get<bool>();
  if (body.contains("description") && !body["description"].is_null())
    f.description = body["description"].get<std::string>();
  if (body.contains("id") && !body["id"].is_null()) {
    f.id = body["id"].get<std::string>();
  } else {
    f.id = newUuid();
  }
  return f;
}

}  // namespace

Reply listFlavors(const Context& c, const HttpRequest& r, const PathParams&) {
  return flavorList(c, r, false);
}

Reply listFlavorsDetail(const Context& c, const HttpRequest& r, const PathParams&) {
  return flavorList(c, r, true);
}

Reply createFlavor(const Context& c, const HttpRequest& r, const PathParams&) {
  if (auto s = requirePolicy(r, "os_compute_api:os-flavor-manage:create"); !s) return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto body = checkBody(*doc, flavorCreateSchema(versionOf(r)));
  if (!body) return body.takeError();
  FlavorRecord f = flavorFrom(**body);
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  for (const auto& [id, other] : c.state.flavors) {
    if (other.name == f.name) {
      return Error::make(ErrorCode::kAlreadyExists,
                         "Flavor with name " + f.name + " already exists.");
    }
  }
  if (c.state.flavors.contains(f.id))
    return Error::make(ErrorCode::kAlreadyExists, "Flavor with ID " + f.id + " already exists.");
  if (auto s = c.state.save(f); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return jsonResponse(200, {{"flavor", flavorDetail(f, r, c.options)}});
}

Reply showFlavor(const Context& c, const HttpRequest& r, const PathParams& p) {
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  auto flavor = findFlavor(c.state, p[0]);
  if (!flavor) return flavor.takeError();
  return jsonResponse(200, {{"flavor", flavorDetail(**flavor, r, c.options)}});
}

Reply deleteFlavor(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requirePolicy(r, "os_compute_api:os-flavor-manage:delete"); !s) return s.error();
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  if (auto flavor = findFlavor(c.state, p[0]); !flavor) return flavor.takeError();
  if (auto s = c.state.eraseFlavor(p[0]); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return emptyResponse(202);
}

}  // namespace stratus::api::compute
