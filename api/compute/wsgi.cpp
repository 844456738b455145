// The compute API's front door (Nova's nova/api/openstack/wsgi.py): version
// negotiation, route lookup, authentication, the JSON content type, then the
// handler; its Error becomes Nova's fault body. Kept thin so that the shared
// http/ pipeline can take its place.
#include "api/compute/compute_api.h"
#include "api/compute/fault.h"
#include "api/compute/microversion.h"
#include "api/compute/routes.h"
#include "common/auth.h"
#include "common/uuid.h"

namespace stratus::api {

using http::HttpRequest;
using http::HttpResponse;

ComputeApi::ComputeApi(CloudState& state, ApiOptions options,
                       placement_client::PlacementClient* placement)
    : state_(state), options_(std::move(options)), placement_(placement) {
  for (const auto& route : compute::routes()) {
    router_.add(
        route.method, route.pattern,
        [this, fn = route.handler](const HttpRequest& r, const http::PathParams& p) {
          auto reply = fn(compute::Context{state_, options_, placement_}, r, p);
          return reply ? std::move(*reply) : compute::faultResponse(reply.error());
        },
        http::RouteOptions{.since_minor = 0, .takes_body = route.takes_body});
  }
}

HttpResponse ComputeApi::errorFor(int status, const std::string& message) const {
  return compute::faultResponse(status, message);
}

HttpResponse ComputeApi::handle(HttpRequest& r) {
  if (r.request_id.empty()) r.request_id = "req-" + newUuid();
  HttpResponse res = [&]() -> HttpResponse {
    std::string path = r.path;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    r.version = http::ApiVersion::of(compute::kMinVersion);
    auto version = compute::negotiateVersion(r);
    if (!version) return compute::faultResponse(version.error());
    r.version = http::ApiVersion::of(*version);
    auto match = router_.match(r.method, path);
    if (match.kind == http::Router::Match::Kind::kNoPath) {
      return compute::faultResponse(
          Error::make(ErrorCode::kNotFound, "The resource could not be found."));
    }
    if (match.kind == http::Router::Match::Kind::kNoMethod) {
      auto res = compute::faultResponse(Error::make(
          ErrorCode::kMethodNotAllowed, "The method " + r.method + " is not allowed for " + r.path +
                                            "; allowed: " + match.allowed));
      res.setHeader("Allow", match.allowed);
      return res;
    }
    // Version documents are public; everything else needs a token.
    if (path != "/" && path != "/v2.1") {
      auto who = authenticate(options_.auth, r.headers);
      if (!who) {
        return compute::faultResponse(Error::make(
            ErrorCode::kUnauthenticated, "Authentication required: send a valid X-Auth-Token."));
      }
      r.auth = {who->admin(), who->user_id, who->project_id};
    }
    if (match.options.takes_body) {
      auto ct = r.header("content-type").value_or("");
      if (ct.rfind("application/json", 0) != 0) {
        return compute::faultResponse(Error::make(
            ErrorCode::kUnsupportedMediaType,
            "The request body must be application/json; got Content-Type '" + ct + "'."));
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

}  // namespace stratus::api
