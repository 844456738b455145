// Every compute API handler, by resource file. Each returns the response or an Error
// (rendered by the front door); routes.cpp binds them to paths.
#pragma once

#include "api/compute/common.h"

namespace stratus::api::compute {

using http::HttpRequest;
using http::PathParams;

// versions.cpp
Reply listVersions(const Context& c, const HttpRequest& r, const PathParams& p);
Reply showVersion(const Context& c, const HttpRequest& r, const PathParams& p);
// flavors.cpp (Nova's flavors.py and flavor_manage.py)
Reply listFlavors(const Context& c, const HttpRequest& r, const PathParams& p);
Reply listFlavorsDetail(const Context& c, const HttpRequest& r, const PathParams& p);
Reply createFlavor(const Context& c, const HttpRequest& r, const PathParams& p);
Reply showFlavor(const Context& c, const HttpRequest& r, const PathParams& p);
Reply deleteFlavor(const Context& c, const HttpRequest& r, const PathParams& p);
// flavor_extra_specs.cpp
Reply listExtraSpecs(const Context& c, const HttpRequest& r, const PathParams& p);
Reply addExtraSpecs(const Context& c, const HttpRequest& r, const PathParams& p);
Reply showExtraSpec(const Context& c, const HttpRequest& r, const PathParams& p);
Reply putExtraSpec(const Context& c, const HttpRequest& r, const PathParams& p);
Reply deleteExtraSpec(const Context& c, const HttpRequest& r, const PathParams& p);
// servers.cpp
Reply listServers(const Context& c, const HttpRequest& r, const PathParams& p);
Reply listServersDetail(const Context& c, const HttpRequest& r, const PathParams& p);
Reply createServer(const Context& c, const HttpRequest& r, const PathParams& p);
Reply showServer(const Context& c, const HttpRequest& r, const PathParams& p);
Reply deleteServer(const Context& c, const HttpRequest& r, const PathParams& p);
// server_actions.cpp
Reply serverAction(const Context& c, const HttpRequest& r, const PathParams& p);
// hypervisors.cpp
Reply listHypervisors(const Context& c, const HttpRequest& r, const PathParams& p);
Reply listHypervisorsDetail(const Context& c, const HttpRequest& r, const PathParams& p);
Reply showHypervisor(const Context& c, const HttpRequest& r, const PathParams& p);
Reply hypervisorUptime(const Context& c, const HttpRequest& r, const PathParams& p);
// aggregates.cpp
Reply listAggregates(const Context& c, const HttpRequest& r, const PathParams& p);
Reply createAggregate(const Context& c, const HttpRequest& r, const PathParams& p);
Reply showAggregate(const Context& c, const HttpRequest& r, const PathParams& p);
Reply updateAggregate(const Context& c, const HttpRequest& r, const PathParams& p);
Reply deleteAggregate(const Context& c, const HttpRequest& r, const PathParams& p);
Reply aggregateAction(const Context& c, const HttpRequest& r, const PathParams& p);
// services.cpp (Nova's services.py)
Reply listServices(const Context& c, const HttpRequest& r, const PathParams& p);
Reply updateService(const Context& c, const HttpRequest& r, const PathParams& p);
Reply deleteService(const Context& c, const HttpRequest& r, const PathParams& p);
// limits.cpp (Nova's limits.py)
Reply showLimits(const Context& c, const HttpRequest& r, const PathParams& p);
// availability_zones.cpp (Nova's availability_zone.py)
Reply listAvailabilityZones(const Context& c, const HttpRequest& r, const PathParams& p);
Reply listAvailabilityZonesDetail(const Context& c, const HttpRequest& r, const PathParams& p);
// agent.cpp: the endpoints compute agents use (/stratus/v1), admin only.
Reply reportHost(const Context& c, const HttpRequest& r, const PathParams& p);
Reply hostTasks(const Context& c, const HttpRequest& r, const PathParams& p);
Reply serverEvent(const Context& c, const HttpRequest& r, const PathParams& p);
Reply hostPowerStates(const Context& c, const HttpRequest& r, const PathParams& p);

}  // namespace stratus::api::compute
