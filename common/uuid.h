// Random (version 4) UUIDs in canonical lower-case form.
#pragma once

#include <string>

namespace stratus {

std::string newUuid();
// 36 characters, 8-4-4-4-12 hex digits.
bool isCanonicalUuid(const std::string& s);

}  // namespace stratus
