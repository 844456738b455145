// The flat answer set of allocation candidates, the interned name ids and the
// per-provider indexes and summaries that the search reads (declared in
// placement/candidates.h).
#include <algorithm>

#include "placement/candidates.h"
#include "placement/json_writer.h"

namespace stratus::placement {
namespace {

std::int64_t usedOf(const ResourceAmounts* usage, const std::string& rc) {
  if (usage == nullptr) return 0;
  auto it = usage->find(rc);
  return it == usage->end() ? 0 : it->second;
}

}  // namespace

std::uint32_t NameIds::intern(const std::string& name) {
  return ids_.try_emplace(name, static_cast<std::uint32_t>(ids_.size())).first->second;
}

std::optional<std::uint32_t> NameIds::find(const std::string& name) const {
  auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

void indexTraits(Provider& p, NameIds& ids) {
  p.trait_ids.clear();
  p.trait_ids.reserve(p.traits.size());
  for (const auto& t : p.traits) p.trait_ids.push_back(ids.intern(t));
  std::sort(p.trait_ids.begin(), p.trait_ids.end());
}

void indexRooms(Provider& p, const ResourceAmounts* usage, NameIds& classes) {
  p.rooms.clear();
  p.rooms.reserve(p.inventories.size());
  for (const auto& [rc, inv] : p.inventories) {
    p.rooms.push_back({classes.intern(rc), inv.capacity() - usedOf(usage, rc), inv.min_unit,
                       inv.max_unit, inv.step_size});
  }
  std::sort(p.rooms.begin(), p.rooms.end(), [](const Provider::Room& a, const Provider::Room& b) {
    return a.resource_class < b.resource_class;
  });
}

CandidateSet::Range CandidateSet::addAmounts(const ResourceAmounts& amounts) {
  const std::size_t begin = amounts_.size();
  for (const auto& [rc, n] : amounts) amounts_.push_back({name(rc), n});
  return rangeFrom(begin, amounts_.size());
}

void CandidateSet::addSingle(const Provider* p, Range amounts, std::string_view suffix,
                             RootRef root) {
  Request r;
  r.root = root;
  r.allocations = rangeFrom(allocations_.size(), allocations_.size() + 1);
  allocations_.push_back({p, amounts});
  r.mappings = rangeFrom(mappings_.size(), mappings_.size() + 1);
  mappings_.push_back({suffix, rangeFrom(mapped_.size(), mapped_.size() + 1)});
  mapped_.push_back(p);
  requests_.push_back(r);
}

void CandidateSet::addPicked(std::span<const PickedAmount> amounts,
                             std::span<const PickedMapping> mappings, RootRef root) {
  Request r;
  r.root = root;
  const std::size_t first_allocation = allocations_.size();
  for (std::size_t i = 0; i < amounts.size();) {
    const Provider* p = amounts[i].provider;
    const std::size_t begin = amounts_.size();
    for (; i < amounts.size() && amounts[i].provider == p; ++i) {
      amounts_.push_back({amounts[i].resource_class, amounts[i].amount});
    }
    allocations_.push_back({p, rangeFrom(begin, amounts_.size())});
  }
  r.allocations = rangeFrom(first_allocation, allocations_.size());
  const std::size_t first_mapping = mappings_.size();
  for (const auto& m : mappings) {
    const std::size_t first = mapped_.size();
    mapped_.insert(mapped_.end(), m.providers.begin(), m.providers.end());
    mappings_.push_back({m.suffix, rangeFrom(first, mapped_.size())});
  }
  r.mappings = rangeFrom(first_mapping, mappings_.size());
  requests_.push_back(r);
}

AllocationRequest CandidateSet::materialize(std::size_t i) const {
  AllocationRequest ar;
  const Request& r = requests_[i];
  for (const auto& a : allocations(r)) {
    auto& amounts = ar.allocations[a.provider->uuid];
    for (const auto& [rc, n] : this->amounts(a)) amounts[std::string(rc)] = n;
  }
  for (const auto& m : mappings(r)) {
    auto& uuids = ar.mappings[std::string(m.suffix)];
    for (const Provider* p : providers(m)) uuids.push_back(p->uuid);
  }
  return ar;
}

void writeSummaryResources(JsonWriter& w, const Provider& p, const ResourceAmounts* usage,
                           const std::set<std::string>* only) {
  w.beginObject();
  for (const auto& [rc, inv] : p.inventories) {
    if (only != nullptr && !only->count(rc)) continue;
    w.key(rc);
    w.beginObject();
    w.key("capacity");
    w.value(inv.capacity());
    w.key("used");
    w.value(usedOf(usage, rc));
    w.endObject();
  }
  w.endObject();
}

void renderSummary(Provider& p, const ResourceAmounts* usage, const TraitOrder& order) {
  std::string& out = p.summary_json;
  out.clear();
  JsonWriter w(out);
  w.beginObject();
  w.key("resources");
  writeSummaryResources(w, p, usage);
  w.key("traits");
  p.traits_at = out.size();
  w.beginArray();
  for (const auto& t : order.sorted(p.traits)) w.value(t);
  w.endArray();
  p.traits_len = out.size() - p.traits_at;
  w.key("parent_provider_uuid");
  if (p.parent_uuid.empty())
    w.null();
  else
    w.value(p.parent_uuid);
  w.key("root_provider_uuid");
  w.value(p.root_uuid);
  w.endObject();
  out.shrink_to_fit();
}

}  // namespace stratus::placement
