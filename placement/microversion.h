// Placement microversions 1.0 to 1.39, one constant per version named for what it
// added (the list and its order are placement/microversion.py VERSIONS in OpenStack
// Placement 8.0). Handlers ask `versionOf(r).atLeast(kTraitsApi)`, never a bare
// minor, and a Microversion<1> cannot be compared with the compute API's 2.x.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/api_version.h"
#include "http/message.h"
#include "http/pipeline.h"

namespace stratus::placement {

using Microversion = http::Microversion<1>;

inline constexpr Microversion kMinVersion{0};  // 1.0: providers, inventories, allocations, usages
inline constexpr Microversion kAggregatesApi{1};           // GET/PUT provider aggregates
inline constexpr Microversion kResourceClassesApi{2};      // /resource_classes
inline constexpr Microversion kProvidersMemberOf{3};       // member_of on GET /resource_providers
inline constexpr Microversion kProvidersResources{4};      // resources on GET /resource_providers
inline constexpr Microversion kDeleteInventories{5};       // DELETE a provider's inventories
inline constexpr Microversion kTraitsApi{6};               // /traits and provider traits
inline constexpr Microversion kBodilessClassPut{7};        // PUT /resource_classes/{name} creates
inline constexpr Microversion kAllocationOwner{8};         // PUT /allocations needs project, user
inline constexpr Microversion kUsagesApi{9};               // GET /usages
inline constexpr Microversion kCandidatesApi{10};          // GET /allocation_candidates
inline constexpr Microversion kAllocationsLink{11};        // provider links name its allocations
inline constexpr Microversion kAllocationsDict{12};        // allocations keyed by provider uuid
inline constexpr Microversion kPostAllocations{13};        // POST /allocations, many consumers
inline constexpr Microversion kNestedProviders{14};        // parent/root uuids, in_tree filter
inline constexpr Microversion kCacheHeaders{15};           // Last-Modified and Cache-Control
inline constexpr Microversion kCandidatesLimit{16};        // limit on allocation candidates
inline constexpr Microversion kCandidatesRequired{17};     // required traits; traits in summaries
inline constexpr Microversion kProvidersRequired{18};      // required on GET /resource_providers
inline constexpr Microversion kAggregatesGeneration{19};   // generation in aggregates bodies
inline constexpr Microversion kCreateReturnsProvider{20};  // POST provider answers 200 + body
inline constexpr Microversion kCandidatesMemberOf{21};     // member_of on allocation candidates
inline constexpr Microversion kForbiddenTraits{22};        // !TRAIT in required
inline constexpr Microversion kErrorCodes{23};             // "code" in error bodies
inline constexpr Microversion kMultipleMemberOf{24};       // member_of repeated on providers
inline constexpr Microversion kGranularGroups{25};         // numbered request groups
inline constexpr Microversion kReservedEqualsTotal{26};    // inventory reserved == total
inline constexpr Microversion kSummariesAllClasses{27};    // summaries list every class
inline constexpr Microversion kConsumerGeneration{28};     // consumer generations
inline constexpr Microversion kNestedCandidates{29};       // nested providers in candidates
inline constexpr Microversion kReshaperApi{30};            // POST /reshaper
inline constexpr Microversion kCandidatesInTree{31};       // in_tree[N] on candidates
inline constexpr Microversion kForbiddenAggregates{32};    // member_of=!AGG
inline constexpr Microversion kAnySuffix{33};              // group suffixes [A-Za-z0-9_-]{1,64}
inline constexpr Microversion kMappings{34};               // mappings in allocation requests
inline constexpr Microversion kRootRequired{35};           // root_required on candidates
inline constexpr Microversion kSameSubtree{36};            // same_subtree, resourceless groups
inline constexpr Microversion kReparenting{37};            // re- and un-parenting providers
inline constexpr Microversion kConsumerTypes{38};          // consumer_type in allocations, usages
inline constexpr Microversion kAnyTraits{39};              // required=in:A,B (any of)
inline constexpr Microversion kMaxVersion = kAnyTraits;

// The negotiated version of a request (the pipeline sets it before any handler).
inline Microversion versionOf(const http::HttpRequest& r) {
  return r.version.as<1>();
}

// OpenStack-API-Version negotiation for "placement", with Placement's messages.
http::VersionRules versionRules();

enum class VersionFailure { kNone, kBadFormat, kUnsupported };

struct NegotiatedVersion {
  Microversion version = kMinVersion;
  VersionFailure failure = VersionFailure::kNone;
  std::string given;  // the version text that failed
};

// `header` is the whole OpenStack-API-Version value ("placement 1.20", possibly a
// comma-separated list naming other services); absent means 1.0.
NegotiatedVersion negotiateVersion(std::string_view header);

}  // namespace stratus::placement
