// A REST client for a Placement-compatible service (stratus-placement or OpenStack
// Placement), on cpprestsdk. Every call returns a Result: transport failures and 5xx
// are kUnavailable (retry later), a stale generation is kConflict (re-read and redo),
// 404 is kNotFound, other 4xx carry placement's own detail. Nothing throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "rest/json_client.h"

namespace stratus::placement_client {

struct ClientOptions {
  std::string base_url = "http://127.0.0.1:8778";
  std::string token = "admin";
  std::string microversion = "1.39";
  std::chrono::milliseconds timeout{10000};
};

struct Provider {
  std::string uuid;
  std::string name;
  std::int64_t generation = 0;
  std::string parent_uuid;
  std::string root_uuid;
};

struct Inventory {
  std::int64_t total = 0;
  std::int64_t reserved = 0;
  std::int64_t min_unit = 1;
  std::int64_t max_unit = 0;
  std::int64_t step_size = 1;
  double allocation_ratio = 1.0;
  bool operator==(const Inventory&) const = default;
};
using Inventories = std::map<std::string, Inventory>;  // by resource class

struct ProviderInventories {
  std::int64_t generation = 0;
  Inventories inventories;
};

struct ProviderTraits {
  std::int64_t generation = 0;
  std::set<std::string> traits;
};

using rest::Response;

class PlacementClient {
 public:
  static Result<std::unique_ptr<PlacementClient>> create(const ClientOptions& options);
  virtual ~PlacementClient() = default;

  virtual const std::string& baseUrl() const = 0;

  // Any call: `path_and_query` is relative to the base URL, e.g. "/traits?name=in:A".
  // 2xx comes back as a Response; everything else as an Error (see above).
  virtual Result<Response> call(const std::string& method, const std::string& path_and_query,
                                const std::optional<nlohmann::json>& body = std::nullopt) = 0;

  // Providers. nullopt when there is none.
  Result<std::optional<Provider>> getProvider(const std::string& uuid);
  Result<std::optional<Provider>> findProviderByName(const std::string& name);
  Result<std::vector<Provider>> listProviders(const std::string& query = {});
  Result<Provider> createProvider(const std::string& uuid, const std::string& name);
  // A child provider (parent_provider_uuid needs microversion >= 1.14).
  Result<Provider> createProvider(const std::string& uuid, const std::string& name,
                                  const std::string& parent_uuid);
  // kFailedPrecondition when placement refuses (the provider holds allocations or has
  // children); a provider already gone is fine.
  Status deleteProvider(const std::string& uuid);
  // The consumers holding allocations on the provider, sorted.
  Result<std::vector<std::string>> getProviderConsumers(const std::string& uuid);

  Result<ProviderInventories> getInventories(const std::string& uuid);
  // Returns the provider's new generation.
  Result<std::int64_t> putInventories(const std::string& uuid, std::int64_t generation,
                                      const Inventories& inventories);
  Result<ProviderTraits> getTraits(const std::string& uuid);
  Result<std::int64_t> putTraits(const std::string& uuid, std::int64_t generation,
                                 const std::set<std::string>& traits);
  Result<std::map<std::string, std::int64_t>> getUsages(const std::string& uuid);

  // The trait catalog; `query` like "name=startswith:CUSTOM_".
  Result<std::vector<std::string>> listTraits(const std::string& query = {});
  // Creates a custom trait; an existing one is fine.
  Status ensureTrait(const std::string& name);
  // Creates a custom resource class (PUT /resource_classes/{name}, microversion >= 1.7);
  // an existing one is fine.
  Status ensureResourceClass(const std::string& name);
  // Creates each custom class `next` has and `current` lacks, before an inventory PUT
  // that names them (placement refuses an inventory of an unknown class).
  Status ensureNewResourceClasses(const Inventories& current, const Inventories& next);
};

// "value" percent-encoded for a query string.
std::string encodeQueryValue(const std::string& value);

nlohmann::json inventoriesToJson(const Inventories& inventories);
Result<Inventories> inventoriesFromJson(const nlohmann::json& doc);

}  // namespace stratus::placement_client
