// What every compute handler shares (as nova/api/openstack/common.py): the context a
// handler runs in, the one "flavor not found", the one policy check, the one store
// failure. Handlers return Errors; the front door renders them (fault.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "common/result.h"
#include "http/message.h"
#include "http/router.h"
#include "placement_client/client.h"

namespace stratus::api::compute {

// What a handler may use: the state (lock `state.mu` around any access) and the
// service's options (URLs for links, virt and traits settings).
struct Context {
  CloudState& state;
  const ApiOptions& options;
  // For the handlers that change placement themselves (os-services); null in tests
  // without one, where those handlers answer 503.
  placement_client::PlacementClient* placement = nullptr;
};

using Reply = Result<http::HttpResponse>;
using Handler = Reply (*)(const Context&, const http::HttpRequest&, const http::PathParams&);

// The flavor with this id, or NotFound "Flavor ID could not be found." (Nova's
// FlavorNotFound). The caller holds state.mu; the pointer lives as long as the lock.
Result<const FlavorRecord*> findFlavor(const CloudState& state, const std::string& id);

// PermissionDenied "Policy doesn't allow RULE to be performed." unless the caller is
// an admin: every os_compute_api rule Stratus enforces is admin-only (Nova's
// defaults for flavor-manage and flavor-extra-specs writes).
Status requirePolicy(const http::HttpRequest& r, const std::string& rule);
// PermissionDenied with `message` unless the caller is an admin (the agent endpoints).
Status requireAdmin(const http::HttpRequest& r, const std::string& message);

// A store failure (the write did not happen): Unavailable, so the client retries,
// as placement answers the same failure.
Error storeFailure(const Error& e);

// InvalidArgument with `message`, for the 400s Nova words itself.
Error badRequest(std::string message);

// The body as a JSON object, or InvalidArgument saying why not.
Result<nlohmann::json> jsonObjectBody(const http::HttpRequest& r);

}  // namespace stratus::api::compute
