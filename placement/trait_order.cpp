#include "placement/trait_order.h"

#include <algorithm>
#include <limits>

#include "traits/catalog.h"

namespace stratus::placement {
namespace {

// Standard traits take ranks [0, catalog size); custom ones follow.
std::uint64_t standardRank(const std::string& name) {
  const auto& catalog = traits::standardTraits();
  auto it = std::lower_bound(catalog.begin(), catalog.end(), name);
  if (it == catalog.end() || *it != name) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(it - catalog.begin());
}

}  // namespace

TraitOrder::TraitOrder(const std::vector<std::string>& custom)
    : next_rank_(traits::standardTraits().size()) {
  for (const auto& name : custom) addCustom(name);
}

void TraitOrder::addCustom(const std::string& name) {
  if (!custom_rank_.try_emplace(name, next_rank_).second) return;
  custom_by_rank_.emplace(next_rank_, name);
  ++next_rank_;
}

void TraitOrder::eraseCustom(const std::string& name) {
  auto it = custom_rank_.find(name);
  if (it == custom_rank_.end()) return;
  custom_by_rank_.erase(it->second);
  custom_rank_.erase(it);
}

std::vector<std::string> TraitOrder::custom() const {
  std::vector<std::string> out;
  out.reserve(custom_by_rank_.size());
  for (const auto& [rank, name] : custom_by_rank_) out.push_back(name);
  return out;
}

std::uint64_t TraitOrder::rank(const std::string& name) const {
  auto it = custom_rank_.find(name);
  return it != custom_rank_.end() ? it->second : standardRank(name);
}

std::vector<std::string> TraitOrder::sorted(const std::set<std::string>& names) const {
  std::vector<std::pair<std::uint64_t, const std::string*>> ranked;
  ranked.reserve(names.size());
  for (const auto& n : names) ranked.emplace_back(rank(n), &n);
  // Stable over the set's name order, so unknown names (equal ranks) stay by name.
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(ranked.size());
  for (const auto& [r, n] : ranked) out.push_back(*n);
  return out;
}

}  // namespace stratus::placement
