// Limits (Nova's limits.py): the absolute limits of the caller's project, or of
// ?tenant_id= for an admin. Stratus enforces no quota, so every maximum is -1
// (unlimited) and the used counts are what the project's servers hold (service_rules.h).
#include "api/compute/handlers.h"
#include "api/compute/microversion.h"
#include "api/service_rules.h"

namespace stratus::api::compute {

Reply showLimits(const Context& c, const HttpRequest& r, const PathParams&) {
  std::string project = r.auth.project_id;
  for (const auto& [k, v] : r.query) {
    if (k == "tenant_id") {
      // Nova answers a non-admin with their own project's limits, whatever they ask for.
      if (r.auth.admin) project = v;
    } else if (k == "reserved") {
      if (v != "0" && v != "1" && v != "true" && v != "false")
        return badRequest("reserved='" + v + "' is invalid; allowed: 0, 1, true, false");
    } else {
      return badRequest("Invalid query parameter '" + k + "'; allowed: tenant_id, reserved");
    }
  }
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  return jsonResponse(
      200, {{"limits",
             {{"rate", nlohmann::json::array()},
              {"absolute", absoluteLimits(c.state.servers, project, versionOf(r).minor)}}}});
}

}  // namespace stratus::api::compute
