// Where the provider config files' additions go among this agent's providers, and what
// the agent has published on each provider beyond its fixed classes (the published
// record), so that what a file stops saying is taken off again while what an operator
// set by hand is never touched. Pure, except loadPublishedRecord/savePublishedRecord.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "compute/pci_provider_plan.h"
#include "compute/provider_config.h"
#include "compute/provider_plan.h"

namespace stratus::compute {

struct ProviderAdditions {
  placement_client::Inventories inventories;
  std::set<std::string> traits;
};

struct ResolvedProviderConfig {
  std::map<std::string, ProviderAdditions> by_uuid;  // this agent's providers only
  // Entries naming no provider of this agent (absent, or someone else's): skipped, as
  // Nova skips providers outside its tree. "<file>: providers[i] (name X)", for the log.
  std::vector<std::string> skipped;
};

// Matches each entry to the compute node (`root`: name = host, uuid `root_uuid`, or
// uuid $COMPUTE_NODE) or a PCI provider (by its name or uuid). As in Nova, an entry
// for $COMPUTE_NODE is not used when another entry names the compute node itself.
// Refused (InvalidArgument, naming the entry): two entries that name one provider (by
// name and by uuid); a class the agent itself reports on that provider (a PCI
// provider's device class); a trait the agent owns there (CUSTOM_MEM_PAGE_SIZE_* on
// the compute node, a device_spec trait on a PCI provider).
Result<ResolvedProviderConfig> resolveProviderConfigs(const ProviderConfigs& configs,
                                                      const DesiredProvider& root,
                                                      const std::string& root_uuid,
                                                      const std::vector<DesiredPciProvider>& pci,
                                                      const traits::TraitsConfig& traits);

// What the agent published on one provider beyond the compute node's VCPU, MEMORY_MB
// and DISK_GB (always its own): a PCI provider's device classes, and the config files'
// classes and traits.
struct PublishedOnProvider {
  std::set<std::string> classes;         // device classes of a PCI provider
  std::set<std::string> config_classes;  // from provider config files
  std::set<std::string> config_traits;
  bool operator==(const PublishedOnProvider&) const = default;
};
using PublishedRecord = std::map<std::string, PublishedOnProvider>;  // by provider uuid

// Adds the resolved additions to the desired providers and sets what each may take
// off: the agent's own classes plus whatever `before` says it published there. Returns
// the record of what these desired providers publish (saved once they are in sync).
PublishedRecord applyProviderConfig(DesiredProvider& root, const std::string& root_uuid,
                                    std::vector<DesiredPciProvider>& pci,
                                    const ResolvedProviderConfig& resolved,
                                    const PublishedRecord& before);

// Both records' entries merged: written before a sync that publishes something new, so
// a crash after the write still knows it was the agent's.
PublishedRecord unionOf(const PublishedRecord& a, const PublishedRecord& b);
// True when everything in `part` is in `whole`.
bool covers(const PublishedRecord& whole, const PublishedRecord& part);

// The record's file under [compute] instances_path: one per host, because simulated
// agents share an instances path.
std::string publishedRecordPath(const std::string& instances_path, const std::string& host);
// {"providers": {"<uuid>": {"classes": [], "config_classes": [], "config_traits": []}}}.
// A missing file is an empty record; anything unreadable is FailedPrecondition naming
// the file (the agent must not guess what it owns).
Result<PublishedRecord> loadPublishedRecord(const std::string& path);
Status savePublishedRecord(const std::string& path, const PublishedRecord& record);

}  // namespace stratus::compute
