// The compute API: the subset of Nova v2.1 that the openstack CLI uses (flavors and
// their extra specs, servers, hypervisors, aggregates), plus the endpoints compute
// agents use to report their host and take their work (/stratus/v1).
//
// Laid out as Nova's nova/api/openstack/compute package: wsgi.cpp is the front door
// (handle), routes.cpp the one route table, one file per resource with its handlers
// (versions, flavors, flavor_extra_specs, servers, hypervisors, aggregates, agent),
// views.cpp the rendering, schemas.cpp the declared request bodies, fault.cpp the
// Error -> {"badRequest": {...}} body.
#pragma once

#include <string>

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "http/router.h"
#include "placement_client/client.h"

namespace stratus::api {

class ComputeApi {
 public:
  // `placement` (may be null: those handlers then answer 503) outlives the API.
  ComputeApi(CloudState& state, ApiOptions options,
             placement_client::PlacementClient* placement = nullptr);
  // Version negotiation, route lookup (404/405 + Allow), authentication, the JSON
  // content type, then the handler; every response gets the request id and version
  // headers.
  http::HttpResponse handle(http::HttpRequest& request);
  // For failures before routing (body too large, bad URL), in Nova's shape.
  http::HttpResponse errorFor(int status, const std::string& message) const;

 private:
  CloudState& state_;
  ApiOptions options_;
  placement_client::PlacementClient* placement_;
  http::Router router_;
};

}  // namespace stratus::api
