// The order Placement lists traits in: by trait id, the order the traits entered its
// database. Placement 8.0 lists a provider's traits (provider_summaries of
// allocation candidates, GET /resource_providers/{uuid}/traits) and GET /traits
// straight from its tables, unsorted, so ids decide (its answer to a PUT of a
// provider's traits is by name: that list comes from a lookup by name). Its standard traits are all
// inserted in one batch at the first start (from a Python set, so their relative
// order is fixed per database but not across databases); every custom trait is
// created later and so comes after them, in creation order. Stratus gives the
// standard ones the catalog's order (traits/catalog.h) and the custom ones their
// creation order, which the store keeps (SQLite rowid of custom_traits).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace stratus::placement {

class TraitOrder {
 public:
  // `custom` in creation order, oldest first.
  explicit TraitOrder(const std::vector<std::string>& custom = {});

  bool hasCustom(const std::string& name) const { return custom_rank_.count(name) != 0; }
  // A new custom trait goes last; one that exists keeps its place.
  void addCustom(const std::string& name);
  void eraseCustom(const std::string& name);

  // Custom traits, oldest first.
  std::vector<std::string> custom() const;
  // `names` (standard or custom traits) in id order. A name that is neither sorts
  // last, by name: callers only pass traits that exist.
  std::vector<std::string> sorted(const std::set<std::string>& names) const;

 private:
  std::uint64_t rank(const std::string& name) const;

  std::unordered_map<std::string, std::uint64_t> custom_rank_;
  std::map<std::uint64_t, std::string> custom_by_rank_;
  std::uint64_t next_rank_ = 0;
};

}  // namespace stratus::placement
