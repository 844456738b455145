// From a request spec to a claimed host: prefilters make the placement query, placement
// answers candidates, host filters apply the rules of virt/ to each candidate's
// reported facts, a weigher orders them, and the first claim that placement accepts
// wins. When nothing is left, the error says which step removed how many hosts.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pci/pci_numa.h"
#include "placement_client/client.h"
#include "scheduler/prefilters.h"
#include "scheduler/request_spec.h"
#include "virt/guest_plan.h"
#include "virt/host_facts.h"

namespace stratus::scheduler {

struct Candidate {
  std::string provider_uuid;        // the host: the root of the tree the request draws from
  nlohmann::json allocations;       // the allocation request's "allocations" object, every provider
  std::int64_t free_memory_mb = 0;  // the root's MEMORY_MB capacity - used
};

// Placement's allocation candidates answer, one candidate per allocation request. A
// request may span the compute node and its children (PCI device providers); its host
// is the tree's root: provider_summaries' root_provider_uuid (microversion 1.29), else
// the provider holding VCPU, else the only provider. A request spanning two trees, or
// whose root cannot be told, is no host and is skipped.
Result<std::vector<Candidate>> parseCandidates(const nlohmann::json& doc);

struct HostRecord {
  std::string name;
  std::string provider_uuid;
  virt::HostFacts facts;
};
using HostLookup = std::function<std::optional<HostRecord>(const std::string& provider_uuid)>;

struct PassedHost {
  Candidate candidate;
  HostRecord host;
  virt::GuestPlan plan;
};

struct FilterOutcome {
  std::vector<PassedHost> passed;
  // One line per filter that removed hosts: "virt_rules removed 2 (cn1: ...; cn2: ...)".
  std::vector<std::string> removed;
};

// The PCI devices a candidate's allocation draws from, one entry per unit, from the
// host's reported facts: a provider's uuid is providerUuidFor("<host>_<ADDRESS>")
// (pci_providers.h); a PF's provider stands for its VFs, whose NUMA node is the PF's
// (else the first VF's that is known). The root's own allocation is not a device. A
// provider that is none of the host's devices is FailedPrecondition naming it.
Result<std::vector<pci::DeviceNode>> pciDevicesOf(const Candidate& candidate,
                                                  const HostRecord& host);

// host_reported: the host's agent has reported its facts; virt_rules: the guest plans
// on that exact host (model boots there, page size with enough free pages on one cell);
// pci_numa_affinity: for a guest with PCI requests, the devices of the candidate's
// allocation satisfy the strictest PCI-NUMA policy (pci_numa.h) on that host. A line
// counts the hosts left with no candidate by that filter.
FilterOutcome filterHosts(const RequestSpec& spec, const std::vector<Candidate>& candidates,
                          const HostLookup& lookup, const virt::VirtConfig& config);

// Most free memory first (spread guests out), then by name so the order is stable.
void weighHosts(std::vector<PassedHost>& hosts);

// How many hosts placement offers for a query (one per root, however many allocation
// requests each has); kUnavailable when placement cannot be asked.
using HostCounter = std::function<Result<std::size_t>(const PlacementQuery&)>;

// Why placement offered nothing: the query rebuilt one step at a time (querySteps),
// naming each step that removed hosts: "3 hosts have VCPU=1, MEMORY_MB=512; prefilter
// viommu_model (...) removed 1, leaving 2; flavor trait:CUSTOM_GOLD=required removed 2
// hosts, leaving 0". Stops at the step that leaves none.
std::string explainNoCandidates(const RequestSpec& spec, const traits::TraitsConfig& traits,
                                const HostCounter& count);

// Placement refuses a query naming a trait it does not know: "No such trait(s): A, B."
// (kInvalidArgument). The names, or none when the error is another one.
std::vector<std::string> unknownTraitsIn(const Error& refused);

// The query with a trait placement does not know taken out, so the hosts it matches can be
// counted: no provider has such a trait, so forbidding it or offering it as one of several
// any_of members changes nothing. nullopt when the query matches no host at all: the trait
// is required (in any group) or is the only member of an any_of.
std::optional<PlacementQuery> withoutUnknownTrait(const PlacementQuery& query,
                                                  const std::string& trait);

struct Selection {
  std::string host;
  std::string provider_uuid;
  virt::ViommuModel resolved = virt::ViommuModel::kNone;
  // What was claimed: {"<provider uuid>": {"resources": {"<RC>": N}}}, the compute node
  // and any device providers (compute/api_client.h AgentTask::allocations).
  nlohmann::json allocations = nlohmann::json::object();
};

// How often one host's claim is retried after giving back a claim another made for
// the same consumer: more than one stale writer is already unlikely.
inline constexpr int kClaimRetries = 3;

struct Consumer {
  std::string uuid;
  std::string project_id;
  std::string user_id;
};

class Scheduler {
 public:
  Scheduler(placement_client::PlacementClient& placement, virt::VirtConfig virt,
            traits::TraitsConfig traits, HostLookup lookup)
      : placement_(placement),
        virt_(std::move(virt)),
        traits_(std::move(traits)),
        lookup_(std::move(lookup)) {}

  // Called before every claim PUT and before giving back a claim in the way; an error
  // abandons the pass with that error and no claim or release (the conductor renews its
  // lease here and refuses once it lost it).
  using BeforeClaim = std::function<Status()>;

  // kFailedPrecondition with the reason when no host can take it; kInvalidArgument for
  // a trait both required and forbidden (checkQueryConflicts); kUnavailable when
  // placement cannot be asked; before_claim's own error. A claim refused because the
  // consumer already holds allocations (placement's "consumer generation conflict",
  // our claim saying consumer_generation null) is a claim someone else made for this
  // consumer, e.g. a conductor whose lease ran out: it is given back (DELETE) and the
  // claim made again, at most kClaimRetries times per host.
  Result<Selection> scheduleAndClaim(const RequestSpec& spec, const Consumer& consumer,
                                     const BeforeClaim& before_claim = {});

 private:
  // One host's claim: nullopt when placement took it, else placement's refusal; an
  // error (kUnavailable, before_claim's) ends the pass.
  Result<std::optional<std::string>> claimOn(const std::string& consumer,
                                             const nlohmann::json& body,
                                             const BeforeClaim& before_claim);

  placement_client::PlacementClient& placement_;
  virt::VirtConfig virt_;
  traits::TraitsConfig traits_;
  HostLookup lookup_;
};

}  // namespace stratus::scheduler
