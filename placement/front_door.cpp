#include "placement/front_door.h"

#include "common/http_status.h"
#include "placement/microversion.h"
#include "placement/service_util.h"

namespace stratus::placement {
namespace {

// A browser asking for HTML gets its errors as an HTML page, as webob renders them.
void htmlErrors(const http::HttpRequest& r, http::HttpResponse& res) {
  const auto accept = r.header("accept");
  if (res.status < 400 || !accept || http::acceptsJson(accept) ||
      accept->find("text/html") == std::string::npos) {
    return;
  }
  std::string detail;
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (!body.is_discarded() && body.contains("errors")) {
    detail = body["errors"][0].value("detail", "");
  }
  const std::string title =
      std::to_string(res.status) + " " + std::string(reasonPhrase(res.status));
  res.setHeader("content-type", "text/html; charset=UTF-8");
  res.body = "<html><head><title>" + title + "</title></head><body><h1>" + title + "</h1>" +
             detail + "</body></html>";
}

// Clients expect an absolute Location, as WSGI frameworks write it.
void absoluteLocation(const http::HttpRequest& r, http::HttpResponse& res) {
  if (auto loc = res.header("location"); loc && loc->starts_with("/")) {
    res.setHeader("location", "http://" + r.header("host").value_or("localhost") + *loc);
  }
}

}  // namespace

http::HttpResponse renderPlacementError(const http::HttpRequest& r, const Error& e) {
  const std::string code = e.service_code.empty() ? kCodeUndefined : e.service_code;
  auto res = errorResponse(r, httpStatusFor(e.code), e.message, code);
  if (e.code == ErrorCode::kNotAcceptable && e.key == "openstack-api-version") {
    auto body = nlohmann::json::parse(res.body);
    body["errors"][0]["min_version"] = kMinVersion.str();
    body["errors"][0]["max_version"] = kMaxVersion.str();
    res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return res;
}

Status placementPolicy(AuthMode mode, const http::HttpRequest& r, const Credentials& who) {
  const bool system_reader =
      who.hasRole("reader") &&
      (mode == AuthMode::kToken || r.header("openstack-system-scope").value_or("") == "all");
  if (who.admin() || (system_reader && r.method == "GET")) return okStatus();
  return Error::make(ErrorCode::kPermissionDenied,
                     "Policy does not allow this request to be performed.");
}

http::PipelineConfig placementFrontDoor(AuthConfig auth,
                                        std::function<void(const std::string&)> log) {
  http::PipelineConfig c;
  c.versions = versionRules();
  const AuthMode mode = auth.mode;
  c.auth = std::move(auth);
  c.public_paths = {"/"};
  // Placement's auth middleware wraps its router: no token is a 401 on any path.
  c.authenticate_before_routing = true;
  c.authorize = [mode](const http::HttpRequest& r, const Credentials& who) {
    return placementPolicy(mode, r, who);
  };
  // A token the file does not hold reads the same as none at all.
  c.unauthenticated_text = [mode](const http::HttpRequest&, const Error& e) {
    return mode == AuthMode::kToken ? std::string("The X-Auth-Token is missing or not valid.")
                                    : e.message;
  };
  c.render_error = renderPlacementError;
  c.not_found_text = [](const http::HttpRequest&) { return "The resource could not be found."; };
  c.method_text = [](const http::HttpRequest& r, const std::string&) {
    return "The method " + r.method + " is not allowed for this resource.";
  };
  c.missing_type_text = [](const http::HttpRequest&) {
    return "content-type header required when body is present";
  };
  c.unsupported_type_text = [](const http::HttpRequest&, const std::optional<std::string>& type) {
    return "The media type " + type.value_or("None") + " is not supported, use application/json";
  };
  // Placement refuses an Accept it cannot meet only where it sends a JSON body
  // back: on reads (routes that answer without one say any_accept).
  c.not_acceptable_text = [](const http::HttpRequest&) {
    return "Only application/json is provided";
  };
  c.finish = [](const http::HttpRequest& r, http::HttpResponse& res) {
    htmlErrors(r, res);
    absoluteLocation(r, res);
  };
  c.log = std::move(log);
  return c;
}

}  // namespace stratus::placement
