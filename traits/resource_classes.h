// The standard resource classes (os-resource-classes 1.1), in id order: a class's
// position is its id in Placement. One list for placement/ (which serves it) and
// pci/ (which must not prefix a standard class with CUSTOM_).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stratus::traits {

const std::vector<std::string>& standardResourceClasses();
bool isStandardResourceClass(std::string_view name);

}  // namespace stratus::traits
