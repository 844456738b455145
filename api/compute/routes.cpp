#include "api/compute/routes.h"

#include "api/compute/handlers.h"

namespace stratus::api::compute {

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {.method = "GET", .pattern = "/", .handler = listVersions},
      {.method = "GET", .pattern = "/v2.1", .handler = showVersion},
      // flavors.py, flavor_manage.py
      {.method = "GET", .pattern = "/v2.1/flavors/detail", .handler = listFlavorsDetail},
      {.method = "GET", .pattern = "/v2.1/flavors", .handler = listFlavors},
      {.method = "POST", .pattern = "/v2.1/flavors", .handler = createFlavor, .takes_body = true},
      {.method = "GET", .pattern = "/v2.1/flavors/{id}", .handler = showFlavor},
      {.method = "DELETE", .pattern = "/v2.1/flavors/{id}", .handler = deleteFlavor},
      // flavors_extraspecs.py
      {.method = "GET", .pattern = "/v2.1/flavors/{id}/os-extra_specs", .handler = listExtraSpecs},
      {.method = "POST",
       .pattern = "/v2.1/flavors/{id}/os-extra_specs",
       .handler = addExtraSpecs,
       .takes_body = true},
      {.method = "GET",
       .pattern = "/v2.1/flavors/{id}/os-extra_specs/{key}",
       .handler = showExtraSpec},
      {.method = "PUT",
       .pattern = "/v2.1/flavors/{id}/os-extra_specs/{key}",
       .handler = putExtraSpec,
       .takes_body = true},
      {.method = "DELETE",
       .pattern = "/v2.1/flavors/{id}/os-extra_specs/{key}",
       .handler = deleteExtraSpec},
      // servers.py
      {.method = "GET", .pattern = "/v2.1/servers/detail", .handler = listServersDetail},
      {.method = "GET", .pattern = "/v2.1/servers", .handler = listServers},
      {.method = "POST", .pattern = "/v2.1/servers", .handler = createServer, .takes_body = true},
      {.method = "GET", .pattern = "/v2.1/servers/{id}", .handler = showServer},
      {.method = "DELETE", .pattern = "/v2.1/servers/{id}", .handler = deleteServer},
      // servers.py actions (server_actions.cpp)
      {.method = "POST",
       .pattern = "/v2.1/servers/{id}/action",
       .handler = serverAction,
       .takes_body = true},
      // hypervisors.py
      {.method = "GET", .pattern = "/v2.1/os-hypervisors/detail", .handler = listHypervisorsDetail},
      {.method = "GET", .pattern = "/v2.1/os-hypervisors", .handler = listHypervisors},
      {.method = "GET", .pattern = "/v2.1/os-hypervisors/{id}", .handler = showHypervisor},
      {.method = "GET", .pattern = "/v2.1/os-hypervisors/{id}/uptime", .handler = hypervisorUptime},
      // aggregates.py
      {.method = "GET", .pattern = "/v2.1/os-aggregates", .handler = listAggregates},
      {.method = "POST",
       .pattern = "/v2.1/os-aggregates",
       .handler = createAggregate,
       .takes_body = true},
      {.method = "GET", .pattern = "/v2.1/os-aggregates/{id}", .handler = showAggregate},
      {.method = "PUT",
       .pattern = "/v2.1/os-aggregates/{id}",
       .handler = updateAggregate,
       .takes_body = true},
      {.method = "DELETE", .pattern = "/v2.1/os-aggregates/{id}", .handler = deleteAggregate},
      {.method = "POST",
       .pattern = "/v2.1/os-aggregates/{id}/action",
       .handler = aggregateAction,
       .takes_body = true},
      // availability_zone.py
      {.method = "GET",
       .pattern = "/v2.1/os-availability-zone/detail",
       .handler = listAvailabilityZonesDetail},
      {.method = "GET", .pattern = "/v2.1/os-availability-zone", .handler = listAvailabilityZones},
      // services.py
      {.method = "GET", .pattern = "/v2.1/os-services", .handler = listServices},
      {.method = "PUT",
       .pattern = "/v2.1/os-services/{id}",
       .handler = updateService,
       .takes_body = true},
      {.method = "DELETE", .pattern = "/v2.1/os-services/{id}", .handler = deleteService},
      // limits.py
      {.method = "GET", .pattern = "/v2.1/limits", .handler = showLimits},
      // agent.cpp: Stratus' own, for compute agents
      {.method = "PUT",
       .pattern = "/stratus/v1/hosts/{host}",
       .handler = reportHost,
       .takes_body = true},
      {.method = "GET", .pattern = "/stratus/v1/hosts/{host}/tasks", .handler = hostTasks},
      {.method = "PUT",
       .pattern = "/stratus/v1/hosts/{host}/power-states",
       .handler = hostPowerStates,
       .takes_body = true},
      {.method = "POST",
       .pattern = "/stratus/v1/servers/{id}/events",
       .handler = serverEvent,
       .takes_body = true},
  };
  return table;
}

}  // namespace stratus::api::compute
