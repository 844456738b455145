// The compute API: the subset of Nova v2.1 that the openstack CLI uses (flavors and
// their extra specs, servers, hypervisors, aggregates), plus the endpoints compute
// agents use to report their host and take their work (/stratus/v1).
#pragma once

#include <string>

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "http/api_version.h"
#include "http/router.h"

namespace stratus::api {

inline constexpr http::ApiVersion kComputeMinVersion{2, 1};
inline constexpr http::ApiVersion kComputeMaxVersion{2, 92};

class ComputeApi {
 public:
  ComputeApi(CloudState& state, ApiOptions options);
  http::HttpResponse handle(http::HttpRequest& request);
  // For failures before routing (body too large, bad URL), in Nova's shape.
  http::HttpResponse errorFor(int status, const std::string& message) const;

 private:
  using P = http::PathParams;
  using R = http::HttpRequest;
  using Res = http::HttpResponse;
  void addRoutes();

  Res versions(const R& r, const P& p);
  Res version(const R& r, const P& p);
  Res listFlavors(const R& r, const P& p, bool detail);
  Res createFlavor(const R& r, const P& p);
  Res showFlavor(const R& r, const P& p);
  Res deleteFlavor(const R& r, const P& p);
  Res listExtraSpecs(const R& r, const P& p);
  Res addExtraSpecs(const R& r, const P& p);
  Res showExtraSpec(const R& r, const P& p);
  Res putExtraSpec(const R& r, const P& p);
  Res deleteExtraSpec(const R& r, const P& p);
  Res listServers(const R& r, const P& p, bool detail);
  Res createServer(const R& r, const P& p);
  Res showServer(const R& r, const P& p);
  Res deleteServer(const R& r, const P& p);
  Res listHypervisors(const R& r, const P& p, bool detail);
  Res showHypervisor(const R& r, const P& p);
  Res hypervisorUptime(const R& r, const P& p);
  Res listAggregates(const R& r, const P& p);
  // Agents.
  Res reportHost(const R& r, const P& p);
  Res hostTasks(const R& r, const P& p);
  Res serverEvent(const R& r, const P& p);

  nlohmann::json renderFlavor(const FlavorRecord& f, const R& r) const;
  nlohmann::json renderServer(const ServerRecord& s, const R& r) const;
  // One hypervisor by UUID with its uptime: all fields (show) or the summary (/uptime).
  http::HttpResponse hypervisorWithUptime(const http::HttpRequest& r, const std::string& id,
                                          bool detail) const;
  nlohmann::json renderHypervisor(const HostRecord& h, bool detail, const R& r) const;
  Caller caller(const R& r) const;

  CloudState& state_;
  ApiOptions options_;
  http::Router router_;
};

// {"badRequest": {"code": 400, "message": ...}} and the other Nova error names.
http::HttpResponse novaError(int status, const std::string& message);

}  // namespace stratus::api
