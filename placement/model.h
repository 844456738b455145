// Placement's data as plain values: providers with their inventories, traits and
// aggregates, and consumers with their allocations. Serialised to JSON documents
// for the store, so the same value is kept in memory and on disk.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::placement {

inline constexpr std::int64_t kMaxInt = 2147483647;

struct Inventory {
  std::int64_t total = 0;
  std::int64_t reserved = 0;
  std::int64_t min_unit = 1;
  std::int64_t max_unit = kMaxInt;
  std::int64_t step_size = 1;
  double allocation_ratio = 1.0;

  // (total - reserved) * allocation_ratio, as Placement computes it.
  std::int64_t capacity() const {
    return static_cast<std::int64_t>(static_cast<double>(total - reserved) * allocation_ratio);
  }
  bool operator==(const Inventory&) const = default;
};

struct Provider {
  std::string uuid;
  std::string name;
  std::int64_t generation = 0;
  std::string parent_uuid;  // empty for a root
  std::string root_uuid;
  std::map<std::string, Inventory> inventories;
  std::set<std::string> traits;
  std::set<std::string> aggregates;
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t updated_at = 0;

  // Derived by the service's index when the provider or its usage changes; never
  // stored. Candidate requests test and print providers thousands of times per
  // request: interned ids (sorted) compare as integers, and the provider's summary
  // (1.29+ form, usage included) is written once per change, not once per request.
  std::vector<std::uint32_t> trait_ids;
  // Each class's room for one more allocation, by interned class id (sorted).
  struct Room {
    std::uint32_t resource_class = 0;
    std::int64_t free = 0;  // capacity less what is used
    std::int64_t min_unit = 1;
    std::int64_t max_unit = 0;
    std::int64_t step_size = 1;

    // Whether one allocation of n fits: the unit rules and what is free.
    bool admits(std::int64_t n) const {
      return n >= min_unit && n <= max_unit && n % step_size == 0 && free >= n;
    }
  };
  std::vector<Room> rooms;
  std::string summary_json;
  std::size_t traits_at = 0;  // the traits array inside summary_json
  std::size_t traits_len = 0;

  std::string_view traitsJson() const {
    return std::string_view(summary_json).substr(traits_at, traits_len);
  }
};

using ResourceAmounts = std::map<std::string, std::int64_t>;  // class -> amount

struct Consumer {
  std::string uuid;
  std::string project_id;
  std::string user_id;
  std::string consumer_type;  // empty: unknown (before 1.38)
  std::int64_t generation = 0;
  std::map<std::string, ResourceAmounts> allocations;  // provider uuid -> amounts
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

nlohmann::json providerToJson(const Provider& p);
Provider providerFromJson(const nlohmann::json& j);
nlohmann::json consumerToJson(const Consumer& c);
Consumer consumerFromJson(const nlohmann::json& j);

}  // namespace stratus::placement
