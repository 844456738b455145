// What a flavor's extra specs and an image's properties ask of placement directly, in
// Nova's syntax and with Nova's rules (the flavor extra specs reference: `resources`,
// `trait`, `member_of` and `group_policy`; the image's `trait:` properties), on
// Placement's granular request groups (microversion 1.25; string suffixes from 1.33).
// Pure: the API checks one key at a time when it is set and everything together at
// server create; the prefilters turn the items into the allocation-candidates query.
//
//   resources:<RC>=<N>          the unnumbered group; overrides the flavor's VCPU,
//                               MEMORY_MB, DISK_GB (N = 0 removes it) or adds a class
//   resources<S>:<RC>=<N>       numbered group S (N = 0: not asked)
//   trait[<S>]:<TRAIT>=required|forbidden
//   member_of[<S>]=[!][in:]UUID[,UUID...]   (a list needs "in:")
//   group_policy=none|isolate   required with two or more numbered groups of the flavor
//   image trait:<TRAIT>=required
//
// <RC>: a standard class (traits/resource_classes.h) or CUSTOM_[A-Z0-9_]+; <TRAIT>: a
// standard trait (traits/catalog.h) or CUSTOM_[A-Z0-9_]+; <S>: [a-zA-Z0-9_-]{1,64};
// <N>: a whole number >= 0. Every violation is InvalidArgument naming the key, the
// value and what is allowed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus::scheduler {

inline constexpr std::string_view kImageTraitPrefix = "trait:";

// One thing the flavor or the image asks of placement, with the key that asked it.
struct PlacementItem {
  enum class Kind { kResource, kRequired, kForbidden, kMemberOf };
  Kind kind = Kind::kResource;
  std::string suffix;       // the request group: "" is the unnumbered one
  std::string name;         // resource class, trait, or member_of value
  std::int64_t amount = 0;  // kResource: the count (0 in the unnumbered group removes it)
  std::string key;          // as written: "trait:CUSTOM_GOLD", "resources1:VGPU"
  std::string value;        // as written: "required", "1"
  bool from_image = false;

  // "trait:CUSTOM_GOLD=required" (flavor) or "image trait:CUSTOM_GOLD=required".
  std::string label() const;
  // VCPU, MEMORY_MB or DISK_GB in the unnumbered group: the flavor's own amounts,
  // replaced rather than added to.
  bool overridesFlavorAmount() const;
};

struct FlavorRequest {
  // Flavor items (unnumbered group first, then each numbered group with its resources
  // before its traits and member_of, groups in suffix order), then image items.
  std::vector<PlacementItem> items;
  std::vector<std::string> suffixes;  // the flavor's numbered groups, sorted
};

// resources*, trait* and member_of* keys: the flavor's placement namespaces.
bool isPlacementSpecKey(std::string_view key);

// One flavor extra spec in those namespaces, on its own (the API checks each key when
// it is set). Keys outside them pass: not this module's to judge.
Status validatePlacementSpec(std::string_view key, std::string_view value);

// One image property: a `trait:` key must be trait:<TRAIT>=required. Others pass.
Status validateImageTraitProperty(std::string_view key, std::string_view value);

// A flavor extra spec in a namespace Stratus does not act on: InvalidArgument listing
// the ones it honours (honouredExtraSpecNamespaces). Keys in honoured namespaces pass
// here; their own rules judge their values.
Status checkExtraSpecHonoured(std::string_view key, std::string_view value);
// "hw: (hw:viommu_model, ...), pci_passthrough:alias, group_policy, resources[SUFFIX]:RC,
// trait[SUFFIX]:TRAIT, member_of[SUFFIX]", for messages and the README.
const std::string& honouredExtraSpecNamespaces();

// Everything together: each key as above, a numbered group with traits or member_of
// but no resources (placement refuses those), and two or more numbered groups without
// group_policy (InvalidArgument naming group_policy, as Nova requires).
Result<FlavorRequest> parseFlavorRequest(const std::map<std::string, std::string>& extra_specs,
                                         const std::map<std::string, std::string>& image);

}  // namespace stratus::scheduler
