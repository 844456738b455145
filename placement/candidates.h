// Allocation candidates: which sets of providers can satisfy a request, over a
// read-only view of providers and usage. Pure: the service parses the query, holds
// the lock, and renders what this returns.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "placement/model.h"
#include "placement/query_parse.h"

namespace stratus::placement {

struct RequestGroup {
  std::string suffix;  // "" for the unsuffixed group
  ResourceAmounts resources;
  TraitFilter traits;
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

struct AllocationRequest {
  std::map<std::string, ResourceAmounts> allocations;        // provider -> amounts
  std::map<std::string, std::vector<std::string>> mappings;  // group suffix -> providers
};

// Interned trait names. Ids only grow (a deleted custom trait keeps its id), so
// the ids a provider holds stay valid while the view is read.
class TraitIds {
 public:
  std::uint32_t intern(const std::string& name);
  std::optional<std::uint32_t> find(const std::string& name) const;

 private:
  std::unordered_map<std::string, std::uint32_t> ids_;
};

// Fills the derived p.trait_ids from p.traits.
void indexTraits(Provider& p, TraitIds& ids);

class JsonWriter;

// Writes p's summary "resources" object: each class (or only those in `only`, when
// given) with capacity and what `usage` holds of it.
void writeSummaryResources(JsonWriter& w, const Provider& p, const ResourceAmounts* usage,
                           const std::set<std::string>* only = nullptr);

// Renders p's provider summary as allocation candidates return it from 1.29:
// every class with capacity and used, traits, parent and root. `usage` is what
// p's consumers hold (null: nothing). Sets p.summary_json and the traits span.
void renderSummary(Provider& p, const ResourceAmounts* usage);

// A root provider and its tree, reached without lookups: candidate requests walk
// every root. Both point into the owner's node-based maps, which keep addresses
// stable until the root is erased (and its entry with it).
struct RootRef {
  const Provider* provider = nullptr;
  const std::set<std::string>* tree = nullptr;
};
// Roots by (created_at, uuid): the order candidates come out in, so `limit` is
// repeatable.
using RootIndex = std::map<std::pair<std::int64_t, std::string>, RootRef>;

struct CandidateView {
  const std::unordered_map<std::string, Provider>& providers;
  const RootIndex& roots_by_age;  // each root with its tree
  // Providers with MISC_SHARES_VIA_AGGREGATE.
  const std::set<std::string>& sharing;
  // What a provider's consumers hold, by class; null when nothing.
  std::function<const ResourceAmounts*(const std::string& rp)> usage;
  const TraitIds& trait_ids;  // every provider's trait_ids come from here
};

inline constexpr const char* kSharesViaAggregate = "MISC_SHARES_VIA_AGGREGATE";

std::vector<AllocationRequest> findCandidates(const CandidateQuery& query,
                                              const CandidateView& view);

}  // namespace stratus::placement
