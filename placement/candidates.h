// Allocation candidates: which sets of providers can satisfy a request, over a
// read-only view of providers and usage. Pure: the service parses the query, holds
// the lock, and renders what this returns.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "placement/model.h"
#include "placement/query_parse.h"
#include "placement/trait_order.h"

namespace stratus::placement {

struct RequestGroup {
  std::string suffix;  // "" for the unsuffixed group
  ResourceAmounts resources;
  TraitFilter traits;
  // member_of: per provider in a numbered group; in the unsuffixed one a provider
  // also qualifies through its root's aggregates (Placement 8.0's nested rule).
  AggregateFilter aggregates;
  std::string in_tree;  // a provider uuid; its tree only
};

struct CandidateQuery {
  std::vector<RequestGroup> groups;  // the unsuffixed one first when present
  bool isolate = false;              // group_policy=isolate
  std::optional<std::size_t> limit;
  TraitFilter root_traits;  // root_required (1.35)
  bool nested = true;       // 1.29+: the unsuffixed group may span a tree
  // same_subtree (1.36): for each list of suffixes, one provider serving them must be
  // an ancestor of (or the same as) every other provider serving them.
  std::vector<std::vector<std::string>> same_subtree;
};

// A root provider and its tree, reached without lookups: candidate requests walk
// every root. Both point into the owner's node-based maps, which keep addresses
// stable until the root is erased (and its entry with it).
struct RootRef {
  const Provider* provider = nullptr;
  const std::set<std::string>* tree = nullptr;
};

// One answer in plain maps: what callers and tests compare.
struct AllocationRequest {
  std::map<std::string, ResourceAmounts> allocations;        // provider -> amounts
  std::map<std::string, std::vector<std::string>> mappings;  // group suffix -> providers
  bool operator==(const AllocationRequest&) const = default;
};

// The answers of one request in flat arrays: a thousand answers cost a handful
// of allocations, not a dozen maps each. Each answer refers to ranges of the
// arrays; providers are those of the view searched, valid while it is.
class CandidateSet {
 public:
  struct Range {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };
  struct Amount {
    std::string_view resource_class;
    std::int64_t amount = 0;
  };
  struct Allocation {
    const Provider* provider = nullptr;
    Range amounts;  // sorted by class name
  };
  struct Mapping {
    std::string_view suffix;
    Range providers;  // sorted by uuid
  };
  struct Request {
    Range allocations;  // sorted by provider uuid
    Range mappings;     // sorted by suffix
    RootRef root;       // the tree the answer is for (sharing providers may add others)
  };

  std::size_t size() const { return requests_.size(); }
  const Request& operator[](std::size_t i) const { return requests_[i]; }
  auto amounts(const Allocation& a) const { return slice(amounts_, a.amounts); }
  auto allocations(const Request& r) const { return slice(allocations_, r.allocations); }
  auto mappings(const Request& r) const { return slice(mappings_, r.mappings); }
  auto providers(const Mapping& m) const { return slice(mapped_, m.providers); }

  // Answer i as plain maps.
  AllocationRequest materialize(std::size_t i) const;

  // Builders, for findCandidates. A name's view stays valid as long as the set.
  std::string_view name(const std::string& s) { return *names_.insert(s).first; }
  Range addAmounts(const ResourceAmounts& amounts);
  // One provider serving one group with `amounts` (a range from addAmounts).
  void addSingle(const Provider* p, Range amounts, std::string_view suffix, RootRef root);
  // An answer from the search's own terms. `amounts`: sorted by provider uuid, then
  // class; one entry per provider and class, names from name(). `mappings`: sorted by
  // suffix, each with its providers sorted by uuid.
  struct PickedAmount {
    const Provider* provider = nullptr;
    std::string_view resource_class;
    std::int64_t amount = 0;
  };
  struct PickedMapping {
    std::string_view suffix;
    std::span<const Provider* const> providers;
  };
  void addPicked(std::span<const PickedAmount> amounts, std::span<const PickedMapping> mappings,
                 RootRef root);

 private:
  template <typename T>
  static std::span<const T> slice(const std::vector<T>& v, Range r) {
    return std::span<const T>(v.data() + r.begin, r.end - r.begin);
  }
  static Range rangeFrom(std::size_t begin, std::size_t end) {
    return {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end)};
  }

  std::set<std::string> names_;  // node-based: views into it stay valid
  std::vector<Amount> amounts_;
  std::vector<Allocation> allocations_;
  std::vector<const Provider*> mapped_;
  std::vector<Mapping> mappings_;
  std::vector<Request> requests_;
};

// Interned names (traits, resource classes). Ids only grow (a deleted custom trait
// keeps its id), so the ids a provider holds stay valid while the view is read.
class NameIds {
 public:
  std::uint32_t intern(const std::string& name);
  std::optional<std::uint32_t> find(const std::string& name) const;

 private:
  std::unordered_map<std::string, std::uint32_t> ids_;
};

// Fills the derived p.trait_ids from p.traits.
void indexTraits(Provider& p, NameIds& ids);

// Fills the derived p.rooms from its inventories and what `usage` holds (null:
// nothing), with class ids from `classes`.
void indexRooms(Provider& p, const ResourceAmounts* usage, NameIds& classes);

class JsonWriter;

// Writes p's summary "resources" object: each class (or only those in `only`, when
// given) with capacity and what `usage` holds of it.
void writeSummaryResources(JsonWriter& w, const Provider& p, const ResourceAmounts* usage,
                           const std::set<std::string>* only = nullptr);

// Renders p's provider summary as allocation candidates return it from 1.29:
// every class with capacity and used, traits, parent and root. `usage` is what
// p's consumers hold (null: nothing); traits come in `order`, as Placement lists
// them. Sets p.summary_json and the traits span.
void renderSummary(Provider& p, const ResourceAmounts* usage, const TraitOrder& order);

// Roots by (created_at, uuid): the order candidates come out in, so `limit` is
// repeatable.
using RootIndex = std::map<std::pair<std::int64_t, std::string>, RootRef>;

struct CandidateView {
  const std::unordered_map<std::string, Provider>& providers;
  const RootIndex& roots_by_age;  // each root with its tree
  // Providers with MISC_SHARES_VIA_AGGREGATE.
  const std::set<std::string>& sharing;
  const NameIds& trait_ids;  // every provider's trait_ids come from here
  // and every provider's rooms, which hold what its consumers use.
  const NameIds& class_ids;
};

inline constexpr const char* kSharesViaAggregate = "MISC_SHARES_VIA_AGGREGATE";

CandidateSet findCandidates(const CandidateQuery& query, const CandidateView& view);

}  // namespace stratus::placement
