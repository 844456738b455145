// The image API's front door: route lookup, authentication, then the handler; its
// Error becomes Glance's error body. Kept thin so that the shared http/ pipeline can
// take its place. Bodies are read by each handler (JSON, JSON patch, image data).
#include "api/image/fault.h"
#include "api/image/image_api.h"
#include "api/image/images.h"
#include "common/auth.h"
#include "common/uuid.h"

namespace stratus::api {

using http::HttpRequest;
using http::HttpResponse;

ImageApi::ImageApi(CloudState& state, ApiOptions options)
    : state_(state), options_(std::move(options)) {
  for (const auto& route : image::routes()) {
    router_.add(
        route.method, route.pattern,
        [this, fn = route.handler](const HttpRequest& r, const http::PathParams& p) {
          auto reply = fn(image::Context{state_, options_}, r, p);
          return reply ? std::move(*reply) : image::faultResponse(reply.error());
        },
        http::RouteOptions{.since_minor = 0, .takes_body = false});
  }
}

HttpResponse ImageApi::errorFor(int status, const std::string& message) const {
  return image::faultResponse(status, message);
}

HttpResponse ImageApi::handle(HttpRequest& r) {
  if (r.request_id.empty()) r.request_id = "req-" + newUuid();
  HttpResponse res = [&]() -> HttpResponse {
    std::string path = r.path;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    auto match = router_.match(r.method, path);
    if (match.kind == http::Router::Match::Kind::kNoPath) {
      return image::faultResponse(
          Error::make(ErrorCode::kNotFound, "The resource could not be found."));
    }
    if (match.kind == http::Router::Match::Kind::kNoMethod) {
      auto res = image::faultResponse(Error::make(
          ErrorCode::kMethodNotAllowed, "The method " + r.method + " is not allowed for " + r.path +
                                            "; allowed: " + match.allowed));
      res.setHeader("Allow", match.allowed);
      return res;
    }
    if (path != "/" && path != "/versions") {
      auto who = authenticate(options_.auth, r.headers);
      if (!who) {
        return image::faultResponse(Error::make(
            ErrorCode::kUnauthenticated, "Authentication required: send a valid X-Auth-Token."));
      }
      r.auth = {who->admin(), who->user_id, who->project_id};
    }
    return (*match.handler)(r, match.params);
  }();
  res.setHeader("x-openstack-request-id", r.request_id);
  return res;
}

}  // namespace stratus::api
