// GET / and GET /v2.1: the version documents (Nova's versions.py). Public.
#include "api/compute/handlers.h"
#include "api/compute/views.h"

namespace stratus::api::compute {

using nlohmann::json;

Reply listVersions(const Context& c, const HttpRequest&, const PathParams&) {
  return jsonResponse(200, {{"versions", json::array({versionObject(c.options.compute_url)})}});
}

Reply showVersion(const Context& c, const HttpRequest&, const PathParams&) {
  return jsonResponse(200, {{"version", versionObject(c.options.compute_url)}});
}

}  // namespace stratus::api::compute
