#include "placement/candidate_query.h"

#include <array>
#include <regex>
#include <string_view>

namespace stratus::placement {

namespace {

constexpr std::array<const char*, 4> kGroupBases = {"resources", "required", "member_of",
                                                    "in_tree"};

}  // namespace

// The group parameters a microversion knows, as the regexes Placement's query
// schema names them in its errors (sorted, as jsonschema lists them).
std::vector<std::string> groupKeyPatterns(Microversion v) {
  const std::string suffix = v.atLeast(kAnySuffix) ? "([a-zA-Z0-9_-]{1,64})?$" : "([1-9][0-9]*)?$";
  std::vector<std::string> out;
  if (v.atLeast(kCandidatesInTree)) out.push_back("^in_tree" + suffix);
  for (const char* b : {"member_of", "required", "resources"})
    out.push_back("^" + std::string(b) + suffix);
  return out;
}

// "resources", "resources1", "resources_NET" -> ("resources", suffix), when the
// suffix is one the microversion allows.
bool splitGroupKey(const std::string& key, Microversion v, std::string& base, std::string& suffix) {
  for (const char* b : kGroupBases) {
    if (!key.starts_with(b)) continue;
    const std::string s = key.substr(std::char_traits<char>::length(b));
    if (std::string_view(b) == "in_tree" && !v.atLeast(kCandidatesInTree)) return false;
    if (!s.empty()) {
      if (!v.atLeast(kGranularGroups)) return false;
      static const std::regex kNumbered("^[1-9][0-9]*$");
      static const std::regex kNamed("^[a-zA-Z0-9_-]{1,64}$");
      if (!std::regex_match(s, v.atLeast(kAnySuffix) ? kNamed : kNumbered)) return false;
    } else if (!v.atLeast(kGranularGroups)) {
      const std::string_view bv(b);
      const bool known = bv == "resources" ||
                         (bv == "required" && v.atLeast(kCandidatesRequired)) ||
                         (bv == "member_of" && v.atLeast(kCandidatesMemberOf));
      if (!known) return false;
    }
    base = b;
    suffix = s;
    return true;
  }
  return false;
}

}  // namespace stratus::placement
