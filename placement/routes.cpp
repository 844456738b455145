// Placement's route table: every path, method and handler in one place, as
// placement/handler.py ROUTE_DECLARATIONS lists them, with the microversion each
// route appears at and what its body must be.
#include <type_traits>

#include "placement/microversion.h"
#include "placement/service.h"

namespace stratus::placement {

using http::Body;

std::vector<http::Route> PlacementService::routes() {
  auto on = [this](auto method) -> http::RouteHandler {
    return [this, method](const HttpRequest& r, const PathParams& p) -> Result<HttpResponse> {
      return (this->*method)(r, p);
    };
  };
  using S = PlacementService;
  const http::RouteSpec json{.body = Body::kJson};
  return {
      {"GET", "/", on(&S::root), {.any_accept = true}},

      {"GET", "/traits", on(&S::listTraits), {.since = kTraitsApi}},
      {"GET", "/traits/{name}", on(&S::getTrait), {.since = kTraitsApi, .any_accept = true}},
      {"PUT", "/traits/{name}", on(&S::putTrait), {.since = kTraitsApi}},
      {"DELETE", "/traits/{name}", on(&S::deleteTrait), {.since = kTraitsApi}},

      {"GET", "/resource_classes", on(&S::listResourceClasses), {.since = kResourceClassesApi}},
      {"POST",
       "/resource_classes",
       on(&S::createResourceClass),
       {.since = kResourceClassesApi, .body = Body::kJson}},
      {"GET", "/resource_classes/{name}", on(&S::getResourceClass), {.since = kResourceClassesApi}},
      // PUT renamed a class from a body until 1.7, which made it a bodiless create.
      {"PUT",
       "/resource_classes/{name}",
       on(&S::putResourceClass),
       {.since = kResourceClassesApi, .body = Body::kJson, .body_until = kBodilessClassPut}},
      {"DELETE",
       "/resource_classes/{name}",
       on(&S::deleteResourceClass),
       {.since = kResourceClassesApi}},

      {"GET", "/resource_providers", on(&S::listProviders)},
      {"POST", "/resource_providers", on(&S::createProvider), json},
      {"GET", "/resource_providers/{uuid}", on(&S::getProvider)},
      {"PUT", "/resource_providers/{uuid}", on(&S::updateProvider), json},
      {"DELETE", "/resource_providers/{uuid}", on(&S::deleteProvider)},

      {"GET",
       "/resource_providers/{uuid}/traits",
       on(&S::getProviderTraits),
       {.since = kTraitsApi}},
      {"PUT",
       "/resource_providers/{uuid}/traits",
       on(&S::putProviderTraits),
       {.since = kTraitsApi, .body = Body::kJson}},
      {"DELETE",
       "/resource_providers/{uuid}/traits",
       on(&S::deleteProviderTraits),
       {.since = kTraitsApi}},

      {"GET", "/resource_providers/{uuid}/inventories", on(&S::getInventories)},
      {"PUT", "/resource_providers/{uuid}/inventories", on(&S::putInventories), json},
      {"POST", "/resource_providers/{uuid}/inventories", on(&S::postInventory), json},
      {"DELETE", "/resource_providers/{uuid}/inventories", on(&S::deleteInventories)},
      {"GET", "/resource_providers/{uuid}/inventories/{rc}", on(&S::getInventory)},
      {"PUT", "/resource_providers/{uuid}/inventories/{rc}", on(&S::putInventory), json},
      {"DELETE", "/resource_providers/{uuid}/inventories/{rc}", on(&S::deleteInventory)},

      {"GET",
       "/resource_providers/{uuid}/aggregates",
       on(&S::getAggregates),
       {.since = kAggregatesApi}},
      {"PUT",
       "/resource_providers/{uuid}/aggregates",
       on(&S::putAggregates),
       {.since = kAggregatesApi, .body = Body::kJson}},

      {"GET", "/resource_providers/{uuid}/usages", on(&S::getProviderUsages)},
      {"GET", "/usages", on(&S::getUsages), {.since = kUsagesApi}},

      {"GET", "/resource_providers/{uuid}/allocations", on(&S::getProviderAllocations)},
      {"GET", "/allocations/{consumer}", on(&S::getAllocations)},
      {"PUT", "/allocations/{consumer}", on(&S::putAllocations), json},
      {"DELETE", "/allocations/{consumer}", on(&S::deleteAllocations)},
      {"POST",
       "/allocations",
       on(&S::postAllocations),
       {.since = kPostAllocations, .body = Body::kJson}},

      {"POST", "/reshaper", on(&S::reshape), {.since = kReshaperApi, .body = Body::kJson}},

      {"GET", "/allocation_candidates", on(&S::getAllocationCandidates), {.since = kCandidatesApi}},
  };
}

}  // namespace stratus::placement
