#include "placement/query_parse.h"

#include <algorithm>

#include "placement/json_schema.h"

namespace stratus::placement {

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  // Folded query strings carry stray spaces around items; Placement ignores them.
  auto trim = [](std::string item) {
    item.erase(0, item.find_first_not_of(" \t\n"));
    item.erase(item.find_last_not_of(" \t\n") + 1);
    return item;
  };
  while (true) {
    auto comma = s.find(',', start);
    out.push_back(
        trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool TraitFilter::matches(const std::set<std::string>& traits) const {
  for (const auto& t : required) {
    if (!traits.count(t)) return false;
  }
  for (const auto& t : forbidden) {
    if (traits.count(t)) return false;
  }
  for (const auto& group : any_of) {
    if (std::none_of(group.begin(), group.end(),
                     [&](const std::string& t) { return traits.count(t) != 0; })) {
      return false;
    }
  }
  return true;
}

void TraitFilter::merge(const TraitFilter& other) {
  required.insert(other.required.begin(), other.required.end());
  forbidden.insert(other.forbidden.begin(), other.forbidden.end());
  any_of.insert(any_of.end(), other.any_of.begin(), other.any_of.end());
}

bool AggregateFilter::matches(const std::set<std::string>& aggregates) const {
  for (const auto& c : clauses) {
    const bool any = std::any_of(c.any.begin(), c.any.end(),
                                 [&](const std::string& a) { return aggregates.count(a) != 0; });
    if (any == c.forbidden) return false;
  }
  return true;
}

Parsed<TraitFilter> parseRequired(const std::vector<std::string>& values, Microversion version,
                                  const std::function<bool(const std::string&)>& exists,
                                  const std::string& param) {
  const bool forbidden_ok = version.atLeast(kForbiddenTraits);
  auto form = [&](const std::string& got) {
    return "Invalid query string parameters: Expected '" + param +
           "' parameter value of the form: " +
           (forbidden_ok ? "HW_CPU_X86_VMX,!CUSTOM_MAGIC." : "HW_CPU_X86_VMX,CUSTOM_MAGIC.") +
           " Got: " + got;
  };
  TraitFilter f;
  std::vector<std::string> unknown;
  std::vector<std::string> unknown_forbidden;
  // Before 1.39 the parameter is not repeatable and the last value wins.
  std::vector<std::string> effective = values;
  if (effective.size() > 1 && !version.atLeast(kAnyTraits)) effective = {values.back()};
  for (const auto& v : effective) {
    if (v.starts_with("in:") && !version.atLeast(kAnyTraits)) {
      return "Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only "
             "supported since microversion 1.39. Got: " +
             v;
    }
    if (v.starts_with("in:")) {
      std::set<std::string> group;
      for (const auto& t : splitComma(v.substr(3))) {
        if (t.empty() || t.starts_with("!")) {
          return "Invalid query string parameters: Expected '" + param +
                 "' parameter value of the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: " + v;
        }
        if (!exists(t)) unknown.push_back(t);
        group.insert(t);
      }
      f.any_of.push_back(std::move(group));
      continue;
    }
    for (const auto& t : splitComma(v)) {
      const bool negated = t.starts_with("!");
      const std::string name = negated ? t.substr(1) : t;
      if (name.empty() || (negated && !forbidden_ok)) return form(v);
      if (!exists(name)) (negated ? unknown_forbidden : unknown).push_back(name);
      (negated ? f.forbidden : f.required).insert(name);
    }
  }
  // Placement stops at the first name it cannot find, required ones before forbidden.
  if (!unknown.empty()) return "No such trait(s): " + unknown.front() + ".";
  if (!unknown_forbidden.empty()) return "No such trait(s): " + unknown_forbidden.front() + ".";
  return f;
}

std::vector<std::string> conflictingTraits(const TraitFilter& f) {
  std::vector<std::string> out;
  for (const auto& t : f.required) {
    if (f.forbidden.count(t)) out.push_back("(" + t + ")");
  }
  for (const auto& group : f.any_of) {
    if (!std::all_of(group.begin(), group.end(),
                     [&](const std::string& t) { return f.forbidden.count(t) != 0; })) {
      continue;
    }
    std::string names;
    for (const auto& t : group) names += (names.empty() ? "" : ", ") + t;
    out.push_back("(" + names + ")");
  }
  return out;
}

Parsed<AggregateFilter> parseMemberOf(const std::vector<std::string>& values, Microversion version,
                                      const std::string& param) {
  if (values.size() > 1 && !version.atLeast(kMultipleMemberOf)) {
    return "Multiple " + param + " parameters are not supported";
  }
  AggregateFilter f;
  for (auto v : values) {
    // Several aggregates in one value are only read as "any of" when said so.
    if (v.find(',') != std::string::npos && !v.starts_with("in:") && !v.starts_with("!in:")) {
      return "Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' "
             "keyword using the valid microversion. Got: " +
             v;
    }
    AggregateFilter::Clause c;
    if (v.starts_with("!")) {
      if (!version.atLeast(kForbiddenAggregates)) {
        return "Forbidden " + param + " parameters are not supported in the specified microversion";
      }
      c.forbidden = true;
      v = v.substr(1);
    }
    if (v.starts_with("in:")) v = v.substr(3);
    for (const auto& a : splitComma(v)) {
      if (!isUuid(a)) {
        return "Invalid query string parameters: Expected 'member_of' parameter to contain valid "
               "UUID(s). Got: " +
               a;
      }
      c.any.insert(canonicalUuid(a));
    }
    f.clauses.push_back(std::move(c));
  }
  return f;
}

Parsed<ResourceAmounts> parseResources(const std::string& value,
                                       const std::function<bool(const std::string&)>& known) {
  ResourceAmounts out;
  const std::string form =
      "Badly formed resources parameter. Expected resources query string "
      "parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: " +
      value + ".";
  if (value.empty()) {
    return "Badly formed resources parameter. Expected resources query string parameter in "
           "form: ?resources=VCPU:2,MEMORY_MB:1024. Got: empty string.";
  }
  for (const auto& item : splitComma(value)) {
    auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0) {
      return "Badly formed resources parameter. Expected resources query string parameter in "
             "form: ?resources=VCPU:2,MEMORY_MB:1024. Got: " +
             item + ".";
    }
    const std::string rc = item.substr(0, colon);
    const std::string amount = item.substr(colon + 1);
    std::int64_t n = 0;
    if (amount.empty() || !std::all_of(amount.begin(), amount.end(), ::isdigit) ||
        amount.size() > 18) {
      if (!amount.empty() && amount[0] == '-') {
        return "Requested resource " + rc + " requires amount >= 1. Got: " + amount + ".";
      }
      return "Requested resource " + rc + " expected positive integer amount. Got: " + amount + ".";
    }
    n = std::stoll(amount);
    if (n < 1) return "Requested resource " + rc + " requires amount >= 1. Got: " + amount + ".";
    if (!known(rc)) {
      return "Invalid resource class in resources parameter: No such resource class " + rc + ".";
    }
    if (out.count(rc)) {
      return "Badly formed resources parameter: The resource class " + rc +
             " was specified more than once.";
    }
    out[rc] = n;
  }
  return out;
}

}  // namespace stratus::placement
