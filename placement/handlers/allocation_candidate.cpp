// GET /allocation_candidates (Placement handlers/allocation_candidate.py).

#include <charconv>
#include <regex>

#include "placement/candidate_query.h"
#include "placement/candidates.h"
#include "placement/json_schema.h"
#include "placement/json_writer.h"
#include "placement/service.h"
#include "placement/service_util.h"

namespace stratus::placement {

using nlohmann::json;

namespace {

// Sorts providers by uuid and drops repeats. The first eight bytes of each uuid,
// as a big-endian integer, decide almost every comparison without touching the
// providers again: a thousand summaries sort in microseconds.
void sortByUuid(std::vector<const Provider*>& providers) {
  struct Keyed {
    std::uint64_t prefix;
    const Provider* provider;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(providers.size());
  for (const Provider* p : providers) {
    std::uint64_t prefix = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      const auto c = i < p->uuid.size() ? static_cast<unsigned char>(p->uuid[i]) : 0U;
      prefix = (prefix << 8) | c;
    }
    keyed.push_back({prefix, p});
  }
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return a.provider != b.provider && a.provider->uuid < b.provider->uuid;
  });
  providers.clear();
  for (const auto& k : keyed) {
    if (providers.empty() || providers.back() != k.provider) providers.push_back(k.provider);
  }
}

}  // namespace

Result<HttpResponse> PlacementService::getAllocationCandidates(const HttpRequest& r,
                                                               const PathParams&) {
  const Microversion v = versionOf(r);
  auto bad = [&](const std::string& detail) {
    return Error::make(ErrorCode::kInvalidArgument, "Invalid query string parameters: " + detail);
  };
  // Which parameters this microversion knows. Like Placement, a repeated
  // limit or group_policy counts by its first value; every value is checked.
  std::map<std::string, RequestGroup> groups;
  std::vector<std::string> group_order;  // suffixes as they first appear
  std::optional<std::string> group_policy;
  std::optional<std::size_t> limit;
  std::vector<std::string> root_required;
  std::vector<std::vector<std::string>> same_subtree;
  for (const auto& [raw_key, value] : r.query) {
    std::string key = raw_key;
    key.erase(0, key.find_first_not_of(" \t\n"));
    key.erase(key.find_last_not_of(" \t\n") + 1);
    std::string base;
    std::string suffix;
    if (splitGroupKey(key, v, base, suffix)) {
      if (!groups.count(suffix)) group_order.push_back(suffix);
      groups[suffix].suffix = suffix;
      continue;
    }
    if (key == "limit" && v.atLeast(kCandidatesLimit)) {
      static const std::regex kLimit("^[1-9][0-9]*$");
      if (!std::regex_match(value, kLimit)) {
        return bad("'" + value +
                   "' does not match '^[1-9][0-9]*$'\n\nFailed validating "
                   "'pattern' in schema['properties']['limit']");
      }
      if (!limit) {
        std::size_t n = SIZE_MAX;  // beyond size_t is as good as no limit
        std::from_chars(value.data(), value.data() + value.size(), n);
        limit = n;
      }
      continue;
    }
    if (key == "group_policy" && v.atLeast(kGranularGroups)) {
      if (value != "none" && value != "isolate") {
        return bad("'" + value +
                   "' is not one of ['none', 'isolate']\n\nFailed validating "
                   "'enum' in schema['properties']['group_policy']");
      }
      if (!group_policy) group_policy = value;
      continue;
    }
    if (key == "root_required" && v.atLeast(kRootRequired)) {
      if (!root_required.empty()) {
        return Error::make(ErrorCode::kInvalidArgument,
                           "Query parameter 'root_required' may be specified only once.",
                           kCodeQueryDuplicateKey);
      }
      root_required.push_back(value);
      continue;
    }
    if (key == "same_subtree" && v.atLeast(kSameSubtree)) {
      same_subtree.push_back(splitComma(value));
      continue;
    }
    if (!v.atLeast(kGranularGroups)) {
      return bad("Additional properties are not allowed ('" + key + "' was unexpected)");
    }
    std::string patterns;
    for (const auto& p : groupKeyPatterns(v)) {
      patterns += patterns.empty() ? "'" : ", '";
      patterns += p;
      patterns += "'";
    }
    return bad("'" + key + "' does not match any of the regexes: " + patterns);
  }
  if (!v.atLeast(kGranularGroups) && !groups.count(""))
    return bad("'resources' is a required property");
  // root_required's form and conflicts are request-wide: Placement checks them
  // before any group (its names come later, with the groups').
  TraitFilter root_traits;
  if (!root_required.empty()) {
    auto rt = parseRequired(
        root_required, v, [](const std::string&) { return true; }, "root_required");
    if (auto* e = std::get_if<std::string>(&rt))
      return Error::make(ErrorCode::kInvalidArgument, *e);
    root_traits = std::get<TraitFilter>(rt);
    std::string both;
    for (const auto& t : root_traits.required) {
      if (root_traits.forbidden.count(t)) both += (both.empty() ? "" : ", ") + t;
    }
    if (!both.empty()) {
      return Error::make(
          ErrorCode::kInvalidArgument,
          "Conflicting required and forbidden traits found in root_required: " + both,
          kCodeQueryBadValue);
    }
  }
  for (const auto& suffixes : same_subtree) {
    if (std::find(suffixes.begin(), suffixes.end(), "") != suffixes.end()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Empty string (unsuffixed group) can not be specified in "
                         "`same_subtree` ",
                         kCodeQueryBadValue);
    }
  }

  auto lock = readLock();

  if (!lock) return lock.takeError();
  const std::function<bool(const std::string&)> exists = [this](const std::string& t) {
    return traitExists(t);
  };
  const std::function<bool(const std::string&)> any_name = [](const std::string&) { return true; };
  for (auto& entry : groups) {
    const std::string& suffix = entry.first;
    RequestGroup& g = entry.second;
    auto one = [&](const std::string& base) { return r.queryAll(base + suffix); };
    auto res = one("resources");
    if (!res.empty()) {
      if (res.size() > 1 || res[0].empty()) {
        return Error::make(ErrorCode::kInvalidArgument,
                           "Badly formed resources parameter. Expected resources query "
                           "string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. "
                           "Got: empty string.");
      }
      // Classes are looked up later, in Placement's order (below).
      auto parsed = parseResources(res[0], any_name);
      if (auto* e = std::get_if<std::string>(&parsed))
        return Error::make(ErrorCode::kInvalidArgument, *e);
      g.resources = std::get<ResourceAmounts>(parsed);
    }
    auto traits = parseRequired(one("required"), v, any_name, "required" + suffix);
    if (auto* e = std::get_if<std::string>(&traits))
      return Error::make(ErrorCode::kInvalidArgument, *e);
    g.traits = std::get<TraitFilter>(traits);
    auto aggs = parseMemberOf(one("member_of"), v, "member_of" + suffix);
    if (auto* e = std::get_if<std::string>(&aggs))
      return Error::make(ErrorCode::kInvalidArgument, *e);
    g.aggregates = std::get<AggregateFilter>(aggs);
    if (auto t = r.queryOne("in_tree" + suffix)) {
      if (!isUuid(*t)) {
        return bad("Expected 'in_tree' parameter to be a format of uuid. Got: " + *t);
      }
      g.in_tree = canonicalUuid(*t);
    }
  }
  // Groups without resources: before 1.36 each kind of orphan is named, in
  // the order the groups first appear, as Placement names them.
  auto keysOf = [&](const char* base, const std::function<bool(const RequestGroup&)>& has) {
    std::string out;
    for (const auto& sfx : group_order) {
      const auto& g = groups.at(sfx);
      if (g.resources.empty() && has(g)) out += (out.empty() ? "" : ", ") + (base + sfx);
    }
    return out;
  };
  const bool any_resources = std::any_of(
      groups.begin(), groups.end(), [](const auto& kv) { return !kv.second.resources.empty(); });
  const bool all_resources = std::all_of(
      groups.begin(), groups.end(), [](const auto& kv) { return !kv.second.resources.empty(); });
  if (v.atLeast(kSameSubtree)) {
    // From 1.36 a group may name only traits or aggregates (a provider in the
    // tree must match it, and it takes nothing) as long as same_subtree ties it
    // to a group that does take resources.
    if (!any_resources) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "There must be at least one resources or resources[$S] parameter.",
                         kCodeQueryMissingValue);
    }
    std::vector<std::string> subtree_suffixes;  // in the order given, once each
    for (const auto& suffixes : same_subtree) {
      for (const auto& sfx : suffixes) {
        if (std::find(subtree_suffixes.begin(), subtree_suffixes.end(), sfx) ==
            subtree_suffixes.end()) {
          subtree_suffixes.push_back(sfx);
        }
      }
    }
    auto named = [&](const std::string& sfx) {
      return std::find(subtree_suffixes.begin(), subtree_suffixes.end(), sfx) !=
             subtree_suffixes.end();
    };
    nlohmann::json loose = nlohmann::json::array();
    for (const auto& sfx : group_order) {
      if (groups.at(sfx).resources.empty() && !named(sfx)) loose.push_back(sfx);
    }
    if (!loose.empty()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Resourceless suffixed group request should be specified in "
                         "`same_subtree` query param: bad group(s) - " +
                             pyRepr(loose) + ".",
                         kCodeQueryBadValue);
    }
    nlohmann::json unknown = nlohmann::json::array();
    for (const auto& sfx : subtree_suffixes) {
      if (!groups.count(sfx)) unknown.push_back(sfx);
    }
    if (!unknown.empty()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Real suffixes should be specified in `same_subtree`: " + pyRepr(unknown) +
                             " not found in " + pyRepr(nlohmann::json(group_order)) + ".",
                         kCodeQueryBadValue);
    }
  } else {
    if (auto keys = keysOf("required",
                           [](const RequestGroup& g) {
                             return !g.traits.required.empty() || !g.traits.any_of.empty();
                           });
        !keys.empty()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "All traits parameters must be associated with resources.  Found the "
                         "following orphaned traits keys: " +
                             keys);
    }
    if (auto keys = keysOf("member_of",
                           [](const RequestGroup& g) { return !g.aggregates.clauses.empty(); });
        !keys.empty()) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "All member_of parameters must be associated with resources. Found the "
                         "following orphaned member_of keys: " +
                             keys);
    }
    if (!all_resources)
      return Error::make(ErrorCode::kInvalidArgument, "All request groups must specify resources.");
    if (groups.empty()) {  // before 1.25 the query check above already wanted `resources`
      return Error::make(ErrorCode::kInvalidArgument,
                         "At least one request group (`resources` or `resources{$S}`) "
                         "is required.");
    }
  }
  std::vector<std::string> conflicts;
  for (const auto& [sfx, g] : groups) {
    for (const auto& c : conflictingTraits(g.traits)) {
      conflicts.emplace_back("required");
      conflicts.back().append(sfx).append(": ").append(c);
    }
  }
  if (!conflicts.empty()) {
    std::sort(conflicts.begin(), conflicts.end());
    std::string list;
    for (const auto& c : conflicts) list += (list.empty() ? "" : ", ") + c;
    return Error::make(
        ErrorCode::kInvalidArgument,
        "Conflicting required and forbidden traits found in the following traits keys: " + list);
  }
  std::size_t suffixed = 0;
  for (const auto& [s, g] : groups) suffixed += s.empty() ? 0 : 1;
  if (suffixed > 1 && !group_policy) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "The \"group_policy\" parameter is required when specifying "
                       "more than one \"resources{N}\" parameter.");
  }

  CandidateQuery q;
  for (auto& [s, g] : groups) {
    q.groups.push_back(g);
  }
  q.isolate = group_policy == "isolate";
  q.limit = limit;
  q.nested = v.atLeast(kNestedCandidates);
  q.same_subtree = same_subtree;

  // Names are looked up only now that the request's shape is accepted, in
  // Placement's order: root_required's, then each group's as it first appeared, its
  // classes before its traits. Placement gives up early, with no candidates,
  // where root_required fits no root or a group's member_of names no provider,
  // and never reaches the names after that point; a fault found later is
  // answered the same way.
  q.root_traits = root_traits;
  for (const auto* names : {&root_traits.required, &root_traits.forbidden}) {
    for (const auto& t : *names) {
      if (!traitExists(t))
        return Error::make(ErrorCode::kInvalidArgument, "No such trait(s): " + t + ".");
    }
  }
  auto givesUpBefore = [&](std::size_t group_index, bool with_its_member_of) {
    if (!q.root_traits.empty() &&
        std::none_of(roots_by_age_.begin(), roots_by_age_.end(), [&](const auto& entry) {
          return q.root_traits.matches(entry.second.provider->traits);
        })) {
      return true;
    }
    for (std::size_t i = 0; i < group_index + (with_its_member_of ? 1 : 0); ++i) {
      AggregateFilter positive;
      for (const auto& c : groups.at(group_order[i]).aggregates.clauses) {
        if (!c.forbidden) positive.clauses.push_back(c);
      }
      if (!positive.empty() &&
          std::none_of(providers_.begin(), providers_.end(),
                       [&](const auto& kv) { return positive.matches(kv.second.aggregates); })) {
        return true;
      }
    }
    return false;
  };
  bool gave_up = false;
  for (std::size_t i = 0; i < group_order.size() && !gave_up; ++i) {
    const std::string& sfx = group_order[i];
    if (auto res = r.queryAll("resources" + sfx); !res.empty()) {
      for (const auto& item : splitComma(res[0])) {
        const std::string rc = item.substr(0, item.find(':'));
        if (isResourceClass(rc)) continue;
        gave_up = givesUpBefore(i, false);
        if (gave_up) break;
        return Error::make(
            ErrorCode::kInvalidArgument,
            "Invalid resource class in resources parameter: No such resource class " + rc + ".");
      }
    }
    if (gave_up) break;
    auto traits = parseRequired(r.queryAll("required" + sfx), v, exists, "required" + sfx);
    if (auto* e = std::get_if<std::string>(&traits)) {
      gave_up = givesUpBefore(i, true);
      if (!gave_up) return Error::make(ErrorCode::kInvalidArgument, *e);
    }
  }

  CandidateView view{providers_, roots_by_age_, sharing_, trait_ids_, class_ids_};
  const CandidateSet found = gave_up ? CandidateSet{} : findCandidates(q, view);

  // Render straight into the body: responses run to megabytes.
  std::vector<const Provider*> summarized;  // every provider named, then its tree (1.29+)
  summarized.reserve(found.size() + 16);
  std::string body;
  // Sized up front: growing a megabyte string by doubling copies it several times.
  std::size_t estimate = 1024;
  for (std::size_t i = 0; i < found.size(); ++i) {
    estimate += 64;
    for (const auto& a : found.allocations(found[i]))
      estimate += 64 + 32 * (a.amounts.end - a.amounts.begin);
  }
  body.reserve(estimate);
  JsonWriter w(body);
  w.beginObject();
  w.key("allocation_requests");
  w.beginArray();
  const bool keyed = v.atLeast(kAllocationsDict);
  const bool whole_trees =
      v.atLeast(kNestedCandidates);  // summaries cover every provider of a tree named
  // A tree's answers come one after another: its providers go in once, not once an
  // answer (a thousand answers from eighty trees name some seven hundred providers).
  const std::set<std::string>* tree_in = nullptr;
  auto summarize = [&](const Provider* p, const CandidateSet::Request& ar) {
    const bool own_tree = p->root_uuid == ar.root.provider->uuid;
    if (whole_trees && own_tree && ar.root.tree->size() > 1) return;  // in with its tree
    summarized.push_back(p);
    // A sharing provider brings its own tree.
    if (!whole_trees || own_tree) return;
    const auto& tree = trees_.at(p->root_uuid);
    if (tree.size() == 1) return;
    for (const auto& u : tree) summarized.push_back(&providers_.at(u));
  };
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto& ar = found[i];
    const auto allocations = found.allocations(ar);
    if (whole_trees && ar.root.tree->size() > 1 && ar.root.tree != tree_in) {
      for (const auto& u : *ar.root.tree) summarized.push_back(&providers_.at(u));
      tree_in = ar.root.tree;
    }
    w.beginObject();
    w.key("allocations");
    if (keyed)
      w.beginObject();
    else
      w.beginArray();
    for (const auto& a : allocations) {
      summarize(a.provider, ar);
      if (keyed) {
        w.validatedKey(a.provider->uuid);
        w.beginObject();
      } else {
        w.beginObject();
        w.key("resource_provider");
        w.beginObject();
        w.key("uuid");
        w.validatedValue(a.provider->uuid);
        w.endObject();
      }
      w.key("resources");
      w.beginObject();
      for (const auto& [rc, n] : found.amounts(a)) {
        w.validatedKey(rc);
        w.value(n);
      }
      w.endObject();
      w.endObject();
    }
    if (keyed)
      w.endObject();
    else
      w.endArray();
    if (v.atLeast(kMappings)) {
      w.key("mappings");
      w.beginObject();
      for (const auto& m : found.mappings(ar)) {
        w.key(m.suffix);
        w.beginArray();
        for (const Provider* p : found.providers(m)) {
          w.validatedValue(p->uuid);
          // A resourceless group's provider takes nothing but is summarized.
          const bool allocated =
              std::any_of(allocations.begin(), allocations.end(),
                          [&](const CandidateSet::Allocation& a) { return a.provider == p; });
          if (!allocated) summarize(p, ar);
        }
        w.endArray();
      }
      w.endObject();
    }
    w.endObject();
  }
  w.endArray();
  sortByUuid(summarized);
  std::set<std::string> requested_classes;  // only read before 1.27
  if (!v.atLeast(kSummariesAllClasses)) {
    for (const auto& g : q.groups) {
      for (const auto& [rc, n] : g.resources) requested_classes.insert(rc);
    }
  }
  estimate = body.size() + 64;
  for (const Provider* sp : summarized) {
    estimate += 48 + sp->summary_json.size();
  }
  body.reserve(estimate);
  w.key("provider_summaries");
  w.beginObject();
  for (const Provider* sp : summarized) {
    const Provider& p = *sp;
    w.validatedKey(p.uuid);
    if (v.atLeast(kNestedCandidates)) {
      w.raw(p.summary_json);
      continue;
    }
    w.beginObject();
    w.key("resources");
    // Before 1.27 only the requested classes are summarized.
    writeSummaryResources(w, p, usageOf(p.uuid),
                          v.atLeast(kSummariesAllClasses) ? nullptr : &requested_classes);
    if (v.atLeast(kCandidatesRequired)) {
      w.key("traits");
      w.raw(p.traitsJson());
    }
    w.endObject();
  }
  w.endObject();
  w.endObject();
  HttpResponse out;
  out.status = 200;
  out.setHeader("content-type", "application/json");
  out.body = std::move(body);
  cacheHeaders(out, r, 0);
  return out;
}

}  // namespace stratus::placement
