#include "placement/candidates.h"

#include <algorithm>

namespace stratus::placement {
namespace {

// A TraitFilter over interned ids, for testing one provider at a time.
struct CompiledTraits {
  bool impossible = false;  // a required trait nobody has
  std::vector<std::uint32_t> required;
  std::vector<std::uint32_t> forbidden;
  std::vector<std::vector<std::uint32_t>> any_of;

  bool matches(const std::vector<std::uint32_t>& ids) const {
    if (impossible) return false;
    auto has = [&](std::uint32_t t) { return std::binary_search(ids.begin(), ids.end(), t); };
    if (!std::all_of(required.begin(), required.end(), has)) return false;
    if (std::any_of(forbidden.begin(), forbidden.end(), has)) return false;
    return std::all_of(any_of.begin(), any_of.end(), [&](const std::vector<std::uint32_t>& g) {
      return std::any_of(g.begin(), g.end(), has);
    });
  }
};

CompiledTraits compileTraits(const TraitFilter& f, const NameIds& ids) {
  CompiledTraits c;
  for (const auto& t : f.required) {
    if (auto id = ids.find(t)) {
      c.required.push_back(*id);
    } else {
      c.impossible = true;
    }
  }
  for (const auto& t : f.forbidden) {
    if (auto id = ids.find(t)) c.forbidden.push_back(*id);
  }
  for (const auto& group : f.any_of) {
    std::vector<std::uint32_t> g;
    for (const auto& t : group) {
      if (auto id = ids.find(t)) g.push_back(*id);
    }
    if (g.empty()) c.impossible = true;
    c.any_of.push_back(std::move(g));
  }
  return c;
}

// A group's resources as interned class ids, sorted, for testing Provider::rooms.
struct CompiledAmounts {
  bool impossible = false;  // a class no provider has ever had
  std::vector<std::pair<std::uint32_t, std::int64_t>> needs;

  bool fits(const std::vector<Provider::Room>& rooms) const {
    if (impossible) return false;
    auto room = rooms.begin();
    for (const auto& [rc, n] : needs) {
      while (room != rooms.end() && room->resource_class < rc) ++room;
      if (room == rooms.end() || room->resource_class != rc) return false;
      if (!room->admits(n)) return false;
    }
    return true;
  }
};

CompiledAmounts compileAmounts(const ResourceAmounts& amounts, const NameIds& ids) {
  CompiledAmounts c;
  for (const auto& [rc, n] : amounts) {
    if (auto id = ids.find(rc)) {
      c.needs.emplace_back(*id, n);
    } else {
      c.impossible = true;
    }
  }
  std::sort(c.needs.begin(), c.needs.end());
  return c;
}

// p's room for class rc; null when p has no inventory of it.
const Provider::Room* roomOf(const CandidateView& v, const Provider& p, const std::string& rc) {
  auto id = v.class_ids.find(rc);
  if (!id) return nullptr;
  auto room = std::lower_bound(
      p.rooms.begin(), p.rooms.end(), *id,
      [](const Provider::Room& r, std::uint32_t c) { return r.resource_class < c; });
  return room != p.rooms.end() && room->resource_class == *id ? &*room : nullptr;
}

// Whether `p` can give one allocation of `amount` of `rc`.
bool canSupply(const CandidateView& v, const Provider& p, const std::string& rc,
               std::int64_t amount) {
  const Provider::Room* room = roomOf(v, p, rc);
  return room != nullptr && room->admits(amount);
}

bool isAncestorOrSelf(const CandidateView& v, const std::string& ancestor, std::string u) {
  while (!u.empty()) {
    if (u == ancestor) return true;
    u = v.providers.at(u).parent_uuid;
  }
  return false;
}

bool sameSubtree(const CandidateView& v, const CandidateQuery& q, const AllocationRequest& ar) {
  for (const auto& suffixes : q.same_subtree) {
    std::set<std::string> members;
    for (const auto& s : suffixes) {
      auto it = ar.mappings.find(s);
      if (it != ar.mappings.end()) members.insert(it->second.begin(), it->second.end());
    }
    bool ok = members.empty();
    for (const auto& top : members) {
      ok = ok || std::all_of(members.begin(), members.end(),
                             [&](const std::string& m) { return isAncestorOrSelf(v, top, m); });
    }
    if (!ok) return false;
  }
  return true;
}

// Providers outside the tree whose inventory the tree may use: sharing providers
// in an aggregate with some provider of the tree.
std::vector<const Provider*> sharingFor(const CandidateView& v, const std::set<std::string>& tree,
                                        const std::vector<const Provider*>& sharing) {
  std::vector<const Provider*> out;
  if (sharing.empty()) return out;
  std::set<std::string> aggs;
  for (const auto& u : tree) {
    const auto& p = v.providers.at(u);
    aggs.insert(p.aggregates.begin(), p.aggregates.end());
  }
  if (aggs.empty()) return out;
  for (const auto* s : sharing) {
    if (tree.count(s->uuid)) continue;
    for (const auto& a : s->aggregates) {
      if (aggs.count(a)) {
        out.push_back(s);
        break;
      }
    }
  }
  return out;
}

// Whether p meets a group's member_of; `tree_rule` for the unsuffixed group, whose
// providers Placement 8.0 checks together with their roots: an aggregate on a root
// covers its whole tree, so p passes when p or its root is in all the wanted
// aggregates, and fails when either is in a forbidden one. A sharing provider
// counts with its own root, not the tree it serves (measured against Placement
// 8.0: an aggregate on the served root alone does not admit it). Numbered groups
// are checked per provider.
bool memberOf(const CandidateView& v, const AggregateFilter& f, const Provider& p,
              const Provider& tree_root, bool tree_rule) {
  if (f.empty()) return true;
  const Provider* anchor = nullptr;
  if (tree_rule && !p.parent_uuid.empty()) {
    anchor = p.root_uuid == tree_root.uuid ? &tree_root : &v.providers.at(p.root_uuid);
  }
  if (anchor == nullptr) return f.matches(p.aggregates);
  auto hits = [](const AggregateFilter::Clause& c, const std::set<std::string>& aggs) {
    return std::any_of(c.any.begin(), c.any.end(),
                       [&](const std::string& a) { return aggs.count(a) != 0; });
  };
  bool self_in = true;
  bool anchor_in = true;
  for (const auto& c : f.clauses) {
    if (c.forbidden) {
      if (hits(c, p.aggregates) || hits(c, anchor->aggregates)) return false;
    } else {
      self_in = self_in && hits(c, p.aggregates);
      anchor_in = anchor_in && hits(c, anchor->aggregates);
    }
  }
  return self_in || anchor_in;
}

// One way to satisfy a group: class -> provider. A group without resources (1.36)
// is served by one matching provider that takes nothing: kNoClass -> provider.
using Choice = std::map<std::string, std::string>;
constexpr const char* kNoClass = "";

// Every way the group can be satisfied from `pool` (tree members plus sharing
// providers of the tree rooted at `root`).
std::vector<Choice> groupChoices(const CandidateView& v, const RequestGroup& g,
                                 const CompiledTraits& compiled,
                                 const std::vector<const Provider*>& pool, const Provider& root,
                                 bool single_provider, std::size_t cap) {
  std::vector<Choice> out;
  const bool tree_rule = !single_provider;
  auto providerOk = [&](const Provider& p) {
    if (!g.in_tree.empty()) {
      auto it = v.providers.find(g.in_tree);
      if (it == v.providers.end() || it->second.root_uuid != p.root_uuid) return false;
    }
    return true;
  };
  if (single_provider || g.resources.empty()) {
    for (const auto* p : pool) {
      if (!providerOk(*p) || !compiled.matches(p->trait_ids) ||
          !memberOf(v, g.aggregates, *p, root, tree_rule)) {
        continue;
      }
      bool all = true;
      for (const auto& [rc, n] : g.resources) all = all && canSupply(v, *p, rc, n);
      if (!all) continue;
      Choice c;
      for (const auto& [rc, n] : g.resources) c[rc] = p->uuid;
      if (g.resources.empty()) c[kNoClass] = p->uuid;
      out.push_back(std::move(c));
      if (out.size() >= cap) break;
    }
    return out;
  }
  // Each class from any provider of the pool; traits then hold over the union.
  std::vector<std::pair<std::string, std::vector<const Provider*>>> options;
  for (const auto& [rc, n] : g.resources) {
    std::vector<const Provider*> can;
    for (const auto* p : pool) {
      if (providerOk(*p) && canSupply(v, *p, rc, n)) can.push_back(p);
    }
    if (can.empty()) return out;
    options.emplace_back(rc, std::move(can));
  }
  std::vector<std::size_t> idx(options.size(), 0);
  while (out.size() < cap) {
    Choice c;
    std::set<std::string> traits, aggs;
    std::map<std::string, std::map<std::string, std::int64_t>> per_provider;
    bool ok = true;
    for (std::size_t i = 0; i < options.size(); ++i) {
      const Provider* p = options[i].second[idx[i]];
      c[options[i].first] = p->uuid;
      traits.insert(p->traits.begin(), p->traits.end());
    }
    // member_of holds for each provider giving resources.
    for (const auto& [rc, u] : c) {
      ok = ok && memberOf(v, g.aggregates, v.providers.at(u), root, tree_rule);
    }
    if (ok && g.traits.matches(traits)) out.push_back(std::move(c));
    // Next combination.
    std::size_t i = 0;
    while (i < idx.size() && ++idx[i] == options[i].second.size()) idx[i++] = 0;
    if (i == idx.size()) break;
  }
  return out;
}

}  // namespace

CandidateSet findCandidates(const CandidateQuery& q, const CandidateView& v) {
  CandidateSet out;
  const auto providerOf = [&](const std::string& u) { return &v.providers.at(u); };
  const std::size_t limit = q.limit.value_or(SIZE_MAX);
  const std::size_t per_group_cap = 10000;

  std::vector<const Provider*> sharing;
  for (const auto& u : v.sharing) sharing.push_back(&v.providers.at(u));
  std::vector<CompiledTraits> group_traits;
  for (const auto& g : q.groups) group_traits.push_back(compileTraits(g.traits, v.trait_ids));
  const CompiledTraits root_traits = compileTraits(q.root_traits, v.trait_ids);
  // The single-provider shortcut below answers every lone root with the same
  // amounts and suffix: stored once.
  const CompiledAmounts lone_needs = q.groups.size() == 1
                                         ? compileAmounts(q.groups.front().resources, v.class_ids)
                                         : CompiledAmounts{};
  const CandidateSet::Range lone_amounts =
      q.groups.size() == 1 ? out.addAmounts(q.groups.front().resources) : CandidateSet::Range{};
  const std::string_view lone_suffix =
      q.groups.size() == 1 ? out.name(q.groups.front().suffix) : std::string_view{};

  // Classes every group needs, to skip trees that have none of them cheaply.
  std::set<std::string> needed;
  for (const auto& g : q.groups) {
    for (const auto& [rc, n] : g.resources) needed.insert(rc);
  }

  std::set<std::string> seen;  // identical allocation sets come out once
  for (const auto& [age_and_uuid, root] : v.roots_by_age) {
    if (out.size() >= limit) break;
    const auto& tree = *root.tree;
    const Provider& root_p = *root.provider;
    if (!q.root_traits.empty() && !root_traits.matches(root_p.trait_ids)) continue;
    auto shared = sharingFor(v, tree, sharing);

    // The common case, a lone provider with one group and nobody sharing with it,
    // needs no combinations: check it and emit it. Cheapest tests first.
    if (tree.size() == 1 && shared.empty() && q.groups.size() == 1) {
      const auto& g = q.groups.front();
      const Provider& p = root_p;
      if (group_traits.front().matches(p.trait_ids) && lone_needs.fits(p.rooms) &&
          (g.in_tree.empty() || g.in_tree == p.uuid) && g.aggregates.matches(p.aggregates)) {
        out.addSingle(&p, lone_amounts, lone_suffix, root);
      }
      continue;
    }
    // A sharing provider alone is not a tree that gets candidates of its own
    // unless it can satisfy everything itself.
    std::vector<const Provider*> pool;
    pool.reserve(tree.size() + shared.size());
    for (const auto& u : tree) pool.push_back(&v.providers.at(u));
    bool any = false;
    for (const auto* p : pool) {
      for (const auto& rc : needed) any = any || p->inventories.count(rc);
    }
    if (!any && shared.empty()) continue;
    pool.insert(pool.end(), shared.begin(), shared.end());

    std::vector<std::vector<Choice>> per_group;
    bool feasible = true;
    for (std::size_t gi = 0; gi < q.groups.size(); ++gi) {
      const auto& g = q.groups[gi];
      const auto& traits = group_traits[gi];
      std::vector<Choice> choices;
      if (!g.suffix.empty()) {
        choices = groupChoices(v, g, traits, pool, root_p, true, per_group_cap);
      } else if (q.nested) {
        choices = groupChoices(v, g, traits, pool, root_p, false, per_group_cap);
      } else {
        // Before 1.29 one provider of the tree serves the group, helped only by
        // sharing providers.
        for (const auto& u : tree) {
          std::vector<const Provider*> anchored = {&v.providers.at(u)};
          anchored.insert(anchored.end(), shared.begin(), shared.end());
          auto more = groupChoices(v, g, traits, anchored, root_p, false, per_group_cap);
          choices.insert(choices.end(), more.begin(), more.end());
        }
      }
      if (choices.empty()) {
        feasible = false;
        break;
      }
      per_group.push_back(std::move(choices));
    }
    if (!feasible) continue;

    std::vector<std::size_t> idx(per_group.size(), 0);
    while (out.size() < limit) {
      AllocationRequest ar;
      std::map<std::string, std::map<std::string, std::int64_t>> sums;
      std::vector<std::set<std::string>> group_providers;
      bool ok = true;
      bool uses_tree = false;
      for (std::size_t gi = 0; gi < per_group.size(); ++gi) {
        const auto& g = q.groups[gi];
        const Choice& c = per_group[gi][idx[gi]];
        std::set<std::string> used_here;
        for (const auto& [rc, u] : c) {
          if (rc != kNoClass) sums[u][rc] += g.resources.at(rc);
          used_here.insert(u);
          uses_tree = uses_tree || tree.count(u);
        }
        auto& m = ar.mappings[g.suffix];
        m.assign(used_here.begin(), used_here.end());
        group_providers.push_back(std::move(used_here));
      }
      // isolate: no provider serves two suffixed groups.
      if (q.isolate) {
        std::set<std::string> taken;
        for (std::size_t gi = 0; gi < group_providers.size() && ok; ++gi) {
          if (q.groups[gi].suffix.empty()) continue;
          for (const auto& u : group_providers[gi]) ok = ok && taken.insert(u).second;
        }
      }
      // Amounts summed over groups must still fit on each provider.
      for (const auto& [u, amounts] : sums) {
        const Provider& p = v.providers.at(u);
        for (const auto& [rc, n] : amounts) {
          // Each group's share passed the unit rules; the sum must stay under
          // max_unit and what is free.
          const Provider::Room* room = roomOf(v, p, rc);
          ok = ok && room != nullptr && n <= room->max_unit && room->free >= n;
        }
      }
      // Only sharing providers: that is the sharing provider's own tree's business.
      ok = ok && uses_tree && sameSubtree(v, q, ar);
      if (ok) {
        for (const auto& [u, amounts] : sums) ar.allocations[u] = amounts;
        // Placement tells requests apart by their mappings too: the same sums
        // reached by serving the groups from different providers are two answers.
        std::string key;
        for (const auto& [u, amounts] : ar.allocations) {
          key += u + "{";
          for (const auto& [rc, n] : amounts) key += rc + ":" + std::to_string(n) + ",";
          key += "}";
        }
        for (const auto& [suffix, providers] : ar.mappings) {
          key += suffix + "[";
          for (const auto& u : providers) key += u + ",";
          key += "]";
        }
        if (seen.insert(key).second) out.add(ar, providerOf, root);
      }
      std::size_t i = 0;
      while (i < idx.size() && ++idx[i] == per_group[i].size()) idx[i++] = 0;
      if (i == idx.size()) break;
    }
  }
  return out;
}

}  // namespace stratus::placement
