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

// Interned names of the query's groups, once per request: each group's suffix and
// the view of each class it asks for, and the groups in suffix order (mappings are
// listed sorted by suffix).
struct GroupNames {
  std::vector<std::string_view> suffix;
  std::vector<std::map<std::string, std::string_view, std::less<>>> classes;
  std::vector<std::size_t> by_suffix;
};

GroupNames groupNames(const CandidateQuery& q, CandidateSet& out) {
  GroupNames n;
  for (const auto& g : q.groups) {
    n.suffix.push_back(out.name(g.suffix));
    auto& classes = n.classes.emplace_back();
    for (const auto& [rc, amount] : g.resources) classes.emplace(rc, out.name(rc));
  }
  n.by_suffix.resize(q.groups.size());
  for (std::size_t i = 0; i < n.by_suffix.size(); ++i) n.by_suffix[i] = i;
  std::sort(n.by_suffix.begin(), n.by_suffix.end(),
            [&](std::size_t a, std::size_t b) { return n.suffix[a] < n.suffix[b]; });
  return n;
}

// One way to serve one group, resolved to providers and rooms once per tree, so the
// combinations of groups compare pointers rather than uuids and class names.
struct ResolvedChoice {
  std::vector<CandidateSet::PickedAmount> amounts;  // the group's classes
  std::vector<const Provider::Room*> rooms;         // amounts[i]'s room on its provider
  std::vector<const Provider*> providers;           // sorted by uuid, once each
  bool uses_tree = false;                           // some provider is of the tree
};

std::vector<ResolvedChoice> resolveChoices(
    const CandidateView& v, const RequestGroup& g,
    const std::map<std::string, std::string_view, std::less<>>& class_names,
    const std::vector<Choice>& choices, const Provider& root) {
  std::vector<ResolvedChoice> out;
  out.reserve(choices.size());
  for (const Choice& c : choices) {
    ResolvedChoice r;
    for (const auto& [rc, u] : c) {
      const Provider* p = &v.providers.at(u);
      if (std::find(r.providers.begin(), r.providers.end(), p) == r.providers.end()) {
        r.providers.push_back(p);
      }
      r.uses_tree = r.uses_tree || p->root_uuid == root.uuid;
      if (rc == kNoClass) continue;
      r.amounts.push_back({p, class_names.at(rc), g.resources.at(rc)});
      r.rooms.push_back(roomOf(v, *p, rc));
    }
    std::sort(r.providers.begin(), r.providers.end(),
              [](const Provider* a, const Provider* b) { return a->uuid < b->uuid; });
    out.push_back(std::move(r));
  }
  return out;
}

// same_subtree (1.36) over one combination: for each list of suffixes, one provider
// serving them is an ancestor of (or the same as) all the others.
bool sameSubtree(const CandidateView& v, const CandidateQuery& q,
                 const std::vector<const ResolvedChoice*>& picked) {
  for (const auto& suffixes : q.same_subtree) {
    std::set<std::string> members;
    for (std::size_t gi = 0; gi < q.groups.size(); ++gi) {
      if (std::find(suffixes.begin(), suffixes.end(), q.groups[gi].suffix) == suffixes.end()) {
        continue;
      }
      for (const Provider* p : picked[gi]->providers) members.insert(p->uuid);
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

// Every combination of one choice per group within one tree, in order, until `limit`
// answers: isolate keeps suffixed groups on distinct providers, amounts summed over
// groups must fit each provider (max_unit and what is free), an answer must use the
// tree itself (only sharing providers is the sharing provider's tree's answer), and an
// answer identical to an earlier one of this tree (allocations and mappings) comes out
// once. Trees are disjoint, so no answer repeats across trees.
void combineGroups(const CandidateView& v, const CandidateQuery& q,
                   const std::vector<std::vector<Choice>>& per_group, RootRef root,
                   const GroupNames& names, CandidateSet& out, std::size_t limit) {
  const std::size_t groups = per_group.size();
  std::vector<std::vector<ResolvedChoice>> resolved;
  resolved.reserve(groups);
  for (std::size_t gi = 0; gi < groups; ++gi) {
    resolved.push_back(
        resolveChoices(v, q.groups[gi], names.classes[gi], per_group[gi], *root.provider));
  }
  std::vector<std::size_t> idx(groups, 0);
  std::vector<const ResolvedChoice*> picked(groups);
  std::vector<CandidateSet::PickedAmount> sums;
  std::vector<const Provider::Room*> sum_rooms;
  std::vector<const Provider*> taken;
  std::vector<CandidateSet::PickedMapping> mappings(groups);
  std::set<std::vector<std::uintptr_t>> seen;
  std::vector<std::uintptr_t> key;
  while (out.size() < limit) {
    bool ok = true;
    bool uses_tree = false;
    sums.clear();
    sum_rooms.clear();
    taken.clear();
    for (std::size_t gi = 0; gi < groups && ok; ++gi) {
      const ResolvedChoice& c = resolved[gi][idx[gi]];
      picked[gi] = &c;
      uses_tree = uses_tree || c.uses_tree;
      if (q.isolate && !q.groups[gi].suffix.empty()) {
        for (const Provider* p : c.providers) {
          if (std::find(taken.begin(), taken.end(), p) != taken.end()) ok = false;
          taken.push_back(p);
        }
      }
      for (std::size_t i = 0; i < c.amounts.size(); ++i) {
        auto at = std::find(sum_rooms.begin(), sum_rooms.end(), c.rooms[i]);
        if (at == sum_rooms.end()) {
          sum_rooms.push_back(c.rooms[i]);
          sums.push_back(c.amounts[i]);
        } else {
          sums[static_cast<std::size_t>(at - sum_rooms.begin())].amount += c.amounts[i].amount;
        }
      }
    }
    // Each group's share passed the unit rules; the sums must stay under max_unit and
    // what is free.
    for (std::size_t i = 0; i < sums.size() && ok; ++i) {
      const Provider::Room* room = sum_rooms[i];
      ok = room != nullptr && sums[i].amount <= room->max_unit && room->free >= sums[i].amount;
    }
    ok = ok && uses_tree && (q.same_subtree.empty() || sameSubtree(v, q, picked));
    if (ok) {
      std::sort(sums.begin(), sums.end(),
                [](const CandidateSet::PickedAmount& a, const CandidateSet::PickedAmount& b) {
                  if (a.provider != b.provider) return a.provider->uuid < b.provider->uuid;
                  return a.resource_class < b.resource_class;
                });
      for (std::size_t k = 0; k < groups; ++k) {
        const std::size_t gi = names.by_suffix[k];
        mappings[k] = {names.suffix[gi], picked[gi]->providers};
      }
      key.clear();
      for (const auto& s : sums) {
        key.push_back(reinterpret_cast<std::uintptr_t>(s.provider));
        key.push_back(reinterpret_cast<std::uintptr_t>(s.resource_class.data()));
        key.push_back(static_cast<std::uintptr_t>(s.amount));
      }
      for (const auto& m : mappings) {
        key.push_back(0);  // a separator no provider address can be
        for (const Provider* p : m.providers) key.push_back(reinterpret_cast<std::uintptr_t>(p));
      }
      if (seen.insert(key).second) out.addPicked(sums, mappings, root);
    }
    std::size_t i = 0;
    while (i < groups && ++idx[i] == resolved[i].size()) idx[i++] = 0;
    if (i == groups) break;
  }
}
}  // namespace

CandidateSet findCandidates(const CandidateQuery& q, const CandidateView& v) {
  CandidateSet out;
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

  const GroupNames names = groupNames(q, out);
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

    combineGroups(v, q, per_group, root, names, out, limit);
  }
  return out;
}

}  // namespace stratus::placement
