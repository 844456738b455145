// What the scheduler works from: the flavor and the image, parsed and checked together
// by virt/ (one set of rules), and the placement query the prefilters build from them.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "virt/guest_request.h"
#include "virt/virt_config.h"

namespace stratus::scheduler {

struct RequestSpec {
  virt::Flavor flavor;
  virt::ImageProperties image;
  virt::GuestRequest guest;
  std::string machine_type;  // for guest.arch, from the image or [libvirt]; empty without arch
};

// Conflicts between flavor and image, locked memory without a page size, a model the
// guest's arch and machine type cannot have: all rejected here, before scheduling.
Result<RequestSpec> buildRequestSpec(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                     const virt::VirtConfig& config);

// An allocation-candidates query: one unnamed group.
struct PlacementQuery {
  std::map<std::string, std::int64_t> resources;
  std::set<std::string> required;
  std::vector<std::vector<std::string>> any_of;  // each becomes required=in:A,B
  std::set<std::string> forbidden;
  int limit = 100;

  // "resources=DISK_GB:1,MEMORY_MB:512,VCPU:1&required=A,!B&required=in:C,D&limit=100"
  std::string queryString() const;
  // "VCPU=1, MEMORY_MB=512 ...; required A; one of C|D; forbidden B", for faults.
  std::string describe() const;
};

}  // namespace stratus::scheduler
