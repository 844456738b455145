// Availability zone names, one rule for the API (aggregate metadata, host reports) and
// the agent ([DEFAULT] default_availability_zone).
#pragma once

#include <string>

#include "common/result.h"

namespace stratus {

// 1 to 255 characters, no ':' (Nova's ZONE:HOST separator); InvalidArgument naming
// `key`, the name and the rule otherwise.
Status checkZoneName(const std::string& key, const std::string& name);

}  // namespace stratus
