// One front door for every Stratus HTTP service (placement, the compute and image
// APIs). A request goes through the same steps in every service:
//
//   request id -> microversion -> [authenticate] -> route (404 / 405 + Allow)
//   -> [authenticate] -> policy -> route's first microversion (404 before it)
//   -> Content-Type -> Accept -> handler -> service's response headers -> log line
//
// (authentication runs before or after routing, as the service's front door always
// did: Placement's auth middleware sits outside its router, so an unknown path
// without a token is a 401 there; Nova and Glance route first.)
//
// A service plugs in only what is its own: its routes, its error renderer (the
// body shape of an Error: Placement's `errors[]`, Nova's `{"badRequest": ...}`,
// Glance's), its policy check, its response headers and its wording. Handlers
// return Result<HttpResponse>; an Error goes to the renderer, which takes the status
// from httpStatusFor() (common/http_status.h). This is the role of Placement's
// deploy.py middleware stack (auth, microversion, fault wrap, request log) and of
// Envoy's filter chain in front of a router.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/auth.h"
#include "common/result.h"
#include "http/api_version.h"
#include "http/message.h"
#include "http/router.h"

namespace stratus::http {

using RouteHandler = std::function<Result<HttpResponse>(const HttpRequest&, const PathParams&)>;

// The microversion a route appears at, of any service's Microversion type, so a
// route table reads `{.since = kTraitsApi}`.
struct Since {
  int major = 0;
  int minor = 0;
  constexpr Since() = default;
  template <int Major>
  constexpr Since(Microversion<Major> v) : major(Major), minor(v.minor) {}  // NOLINT: implicit
};

enum class Body {
  kNone,  // no body is read; any Content-Type goes
  kJson,  // PUT, POST or PATCH: the body must be sent as application/json
};

struct RouteSpec {
  Since since = {};         // 404 before this microversion
  Body body = Body::kNone;  // what the request body must be
  Since body_until = {};    // from this microversion on the route reads no body
  // The Accept header is not checked (the route answers without a JSON body,
  // or is a document every client must be able to read).
  bool any_accept = false;
};

struct Route {
  std::string_view method;
  std::string_view path;  // "/resource_providers/{uuid}/traits"
  RouteHandler handler;
  RouteSpec spec = {};
};

struct VersionRules {
  std::string service;  // the name in OpenStack-API-Version: "placement", "compute"
  // A header that carries the bare version, read when OpenStack-API-Version names
  // no entry for the service (Nova's X-OpenStack-Nova-API-Version); empty: none.
  std::string legacy_header;
  ApiVersion min;
  ApiVersion max;
  // Error messages; `given` is the version text as the client sent it.
  std::function<std::string(const std::string& given)> bad_format_text;
  std::function<std::string(const std::string& given)> unsupported_text;
};

// The outcome of reading a request's version headers.
struct VersionRequest {
  enum class Outcome { kOk, kBadFormat, kUnsupported } outcome = Outcome::kOk;
  ApiVersion version;  // the min when none was asked for, or when it failed
  std::string given;   // the text that failed
};
// "placement 1.20" (possibly one item of "compute 2.1, placement 1.20", service
// names in any case), "latest", or the legacy header; nothing asked means min.
VersionRequest negotiateVersion(const VersionRules& rules,
                                const std::map<std::string, std::string>& headers);

struct PipelineConfig {
  // Unset: the service has no microversions.
  std::optional<VersionRules> versions;

  AuthConfig auth;
  std::set<std::string> public_paths;  // exact paths served without a token
  bool authenticate_before_routing = false;
  // Paths lose one trailing slash before routing ("/v2.1/" -> "/v2.1"); not "/".
  bool strip_trailing_slash = false;

  // Who may call this route, after authentication (public paths skip it). The
  // Error is the service's PermissionDenied. Unset: every caller may.
  std::function<Status(const HttpRequest&, const Credentials&)> authorize;

  // The service's body for an Error; the status is httpStatusFor(error.code).
  std::function<HttpResponse(const HttpRequest&, const Error&)> render_error;

  // Wording of the pipeline's own refusals.
  // A failed authentication; unset: common/auth's message.
  std::function<std::string(const HttpRequest&, const Error&)> unauthenticated_text;
  std::function<std::string(const HttpRequest&)> not_found_text;
  std::function<std::string(const HttpRequest&, const std::string& allowed)> method_text;
  // Content-Type absent although a body was sent; unset: treated as unsupported.
  std::function<std::string(const HttpRequest&)> missing_type_text;
  std::function<std::string(const HttpRequest&, const std::optional<std::string>& type)>
      unsupported_type_text;
  // Accept admits no application/json; unset: Accept is not checked.
  std::function<std::string(const HttpRequest&)> not_acceptable_text;

  // Response headers naming the request id ("x-openstack-request-id", ...).
  std::vector<std::string> request_id_headers = {"x-openstack-request-id"};
  // The service's last touch on every response, errors included (after the
  // request id and version headers are set).
  std::function<void(const HttpRequest&, HttpResponse&)> finish;

  // One line per request: "[PREFIX ]METHOD PATH STATUS 1.23ms REQUEST-ID".
  // Unset: no line. `skip_log` may drop requests not worth a line.
  std::string log_prefix;
  std::function<void(const std::string& line)> log;
  std::function<bool(const HttpRequest&, const HttpResponse&)> skip_log;
};

class Pipeline {
 public:
  explicit Pipeline(PipelineConfig config);

  void add(Route route);
  void add(std::vector<Route> routes);

  // Every step above; fills in r.request_id, r.version and r.auth.
  HttpResponse handle(HttpRequest& r) const;
  // A refusal made before a request could be read (body too large, bad target),
  // in the service's shape, at the service's maximum version.
  HttpResponse reject(const Error& error) const;

  const PipelineConfig& config() const { return config_; }

 private:
  struct Entry {
    RouteHandler handler;
    RouteSpec spec;
  };
  Result<HttpResponse> dispatch(HttpRequest& r) const;
  HttpResponse render(const HttpRequest& r, const Error& e) const;
  void finish(const HttpRequest& r, HttpResponse& res) const;

  PipelineConfig config_;
  BasicRouter<Entry> router_;
};

// Whether an Accept header admits application/json (absent or empty admits anything).
bool acceptsJson(const std::optional<std::string>& accept);

}  // namespace stratus::http
