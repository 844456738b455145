// IOMMU, VFIO and iommufd facts from the kernel's filesystems. `root` is "/" on a
// real host; tests point it at a directory laid out like one.
#pragma once

#include <filesystem>

#include "virt/host_facts.h"

namespace stratus::virt {

IommuFacts probeKernelIommu(const std::filesystem::path& root = "/");

}  // namespace stratus::virt
