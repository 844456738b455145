// Parsers for the query parameters that resource provider listing and allocation
// candidates share: required traits, member_of aggregates and resources amounts.
// Each returns the parsed value or the 400 detail, in Placement's wording.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "placement/microversion.h"
#include "placement/model.h"

namespace stratus::placement {

struct TraitFilter {
  std::set<std::string> required;
  std::set<std::string> forbidden;
  std::vector<std::set<std::string>> any_of;  // each: at least one of these

  bool empty() const { return required.empty() && forbidden.empty() && any_of.empty(); }
  bool matches(const std::set<std::string>& traits) const;
  void merge(const TraitFilter& other);
};

struct AggregateFilter {
  struct Clause {
    std::set<std::string> any;
    bool forbidden = false;
  };
  std::vector<Clause> clauses;  // all must hold

  bool empty() const { return clauses.empty(); }
  bool matches(const std::set<std::string>& aggregates) const;
};

template <typename T>
using Parsed = std::variant<T, std::string>;  // the value, or the error detail

// Values of `required` (repeatable from 1.39). `exists` says whether a trait is known;
// unknown names give "No such trait(s): ...".
Parsed<TraitFilter> parseRequired(const std::vector<std::string>& values, Microversion version,
                                  const std::function<bool(const std::string&)>& exists,
                                  const std::string& param = "required");

// The required sets of `f` that its forbidden traits rule out entirely, each as
// "(A, B)" with the names sorted: Placement refuses a request naming one.
std::vector<std::string> conflictingTraits(const TraitFilter& f);

// Values of `member_of` (repeatable from 1.24, '!' from 1.32).
Parsed<AggregateFilter> parseMemberOf(const std::vector<std::string>& values, Microversion version,
                                      const std::string& param = "member_of");

// "VCPU:2,MEMORY_MB:1024"; `known` says whether a class exists.
Parsed<ResourceAmounts> parseResources(const std::string& value,
                                       const std::function<bool(const std::string&)>& known);

// Splits on commas keeping empty items, so "A," is two items.
std::vector<std::string> splitComma(const std::string& s);

}  // namespace stratus::placement
