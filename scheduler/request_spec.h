// What the scheduler works from: the flavor and the image, parsed and checked together
// by virt/ and pci/ (one set of rules each), and the placement query the prefilters
// build from them.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "pci/pci_config.h"
#include "pci/pci_request.h"
#include "scheduler/flavor_request.h"
#include "virt/guest_request.h"
#include "virt/virt_config.h"

namespace stratus::scheduler {

// The flavor's `group_policy` (Placement's granular request groups, microversion 1.25):
// how the numbered groups may share providers. Absent means none.
inline constexpr std::string_view kFlavorGroupPolicy = "group_policy";
// "none" or "isolate"; anything else is InvalidArgument naming group_policy.
Status validateGroupPolicy(std::string_view value);

struct RequestSpec {
  virt::Flavor flavor;
  virt::ImageProperties image;
  virt::GuestRequest guest;
  std::string machine_type;  // for guest.arch, from the image or [libvirt]; empty without arch
  pci::PciRequests pci;      // pci_passthrough:alias resolved against [pci] alias
  std::string group_policy = "none";  // the flavor's group_policy: none or isolate
  FlavorRequest placement;            // resources*, trait*, member_of* and the image's trait:
  // The availability zone the server asked for ("": any) and the member_of value the API
  // resolved it to from its aggregates (api/availability_zones.h): "in:A,B" for a named
  // zone, "!in:A,B" (no AZ aggregate) for the default zone, "" for no restriction.
  std::string availability_zone;
  std::string availability_zone_member_of;
  // A host forced by availability_zone "ZONE:HOST" (api/zone_request.h) and its compute
  // node provider: the query is limited to that provider's tree (in_tree, placement 1.31)
  // and still claims there; "" when the scheduler chooses.
  std::string forced_host;
  std::string forced_host_provider;
};

// Conflicts between flavor and image, locked memory without a page size, a model the
// guest's arch and machine type cannot have, a PCI request [pci] cannot resolve (an
// unknown alias, policies that differ), a bad group_policy, a placement extra spec or
// image trait that breaks flavor_request.h's rules, an extra spec in a namespace
// Stratus does not act on (unless `allow_unknown_extra_specs`, [api]
// allow_unknown_extra_specs): all rejected here, before scheduling. Without `pci` no
// alias is defined, so a PCI request is refused rather than booted without its device.
Result<RequestSpec> buildRequestSpec(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                     const virt::VirtConfig& config, const pci::PciConfig& pci = {},
                                     bool allow_unknown_extra_specs = false);

// One numbered request group (Placement's granular syntax, resources<S>/required<S>):
// the flavor's own resources<S> groups, and one per requested PCI device, so each
// device is its own provider choice.
struct RequestGroup {
  // S in resources<S>: the flavor's suffix ([a-zA-Z0-9_-]{1,64}, placement 1.33), or for
  // a PCI device the next number no flavor group uses ("1", "2", ...).
  std::string suffix = "1";
  std::map<std::string, std::int64_t> resources;
  std::set<std::string> required;
  std::set<std::string> forbidden;
  std::vector<std::string> member_of;  // each one member_of<S>= value
  std::string origin;  // what asked for it, for faults: "pci_passthrough:alias nic:2"; "" flavor
};

// An allocation-candidates query: the unnumbered group (the compute node's resources and
// the prefilters' traits) and the numbered groups with their group_policy.
struct PlacementQuery {
  std::map<std::string, std::int64_t> resources;
  std::set<std::string> required;
  std::vector<std::vector<std::string>> any_of;  // each becomes required=in:A,B
  std::set<std::string> forbidden;
  std::vector<std::string>
      member_of;  // each one member_of= value as Placement takes it ("in:A,B", "!in:C")
  std::vector<RequestGroup> groups;
  std::string group_policy = "none";  // sent only with groups (placement requires it then)
  std::string in_tree;                // the unnumbered group's in_tree= (a provider uuid), or ""
  int limit = 100;

  // "resources=DISK_GB:1,MEMORY_MB:512,VCPU:1&required=A,!B&required=in:C,D
  //  &member_of=in:AGG&resources1=CUSTOM_PCI_8086_10CA:1&required1=CUSTOM_X,!CUSTOM_Y
  //  &member_of1=AGG&group_policy=none&limit=100" (one line). Numbered groups need placement
  // microversion 1.25, string suffixes 1.33, '!' in member_of 1.32: the scheduler uses 1.39.
  std::string queryString() const;
  // "VCPU=1, MEMORY_MB=512 ...; required A; one of C|D; forbidden B; pci_passthrough:alias
  // nic:2 as groups 1-2 (CUSTOM_PCI_8086_10CA=1 each); group gpu (VGPU=1), group_policy
  // none", for faults.
  std::string describe() const;
};

}  // namespace stratus::scheduler
