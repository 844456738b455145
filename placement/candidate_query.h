// The request-group keys of GET /allocation_candidates: which bases and suffixes a
// microversion accepts (Placement's query schema, schemas/allocation_candidate.py).
#pragma once

#include <string>
#include <vector>

#include "placement/microversion.h"

namespace stratus::placement {

// The group parameters a microversion knows, as the regexes Placement's query
// schema names them in its errors (sorted, as jsonschema lists them).
std::vector<std::string> groupKeyPatterns(Microversion v);

// "resources", "resources1", "resources_NET" -> ("resources", suffix), when the
// suffix is one the microversion allows; false (outputs untouched) otherwise.
bool splitGroupKey(const std::string& key, Microversion v, std::string& base, std::string& suffix);

}  // namespace stratus::placement
