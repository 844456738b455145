// GET /: the version document (Placement handlers/root.py).

#include "placement/microversion.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

Result<HttpResponse> PlacementService::root(const HttpRequest& r, const PathParams&) {
  auto res = jsonResponse(
      200,
      {{"versions", nlohmann::json::array(
                        {{{"id", "v1.0"},
                          {"max_version", kMaxVersion.str()},
                          {"min_version", kMinVersion.str()},
                          {"status", "CURRENT"},
                          {"links", nlohmann::json::array({{{"rel", "self"}, {"href", ""}}})}}})}});
  cacheHeaders(res, r, 0);
  return res;
}

}  // namespace stratus::placement
