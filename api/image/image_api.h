// The image API: the subset of Glance v2 that the openstack CLI uses. Image data is
// accepted and counted, not kept: servers are diskless for now and boot from the
// image's properties alone.
//
// wsgi.cpp is the front door (handle), routes.cpp the route table, images.cpp the
// handlers, image_fields.cpp Glance's rules for each key, views.cpp the rendering,
// fault.cpp the Error -> {"error": {...}} body.
#pragma once

#include <string>

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "http/router.h"

namespace stratus::api {

class ImageApi {
 public:
  ImageApi(CloudState& state, ApiOptions options);
  // Route lookup (404/405 + Allow), authentication, then the handler; every
  // response gets the request id.
  http::HttpResponse handle(http::HttpRequest& request);
  http::HttpResponse errorFor(int status, const std::string& message) const;

 private:
  CloudState& state_;
  ApiOptions options_;
  http::Router router_;
};

}  // namespace stratus::api
