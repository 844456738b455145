// The compute agent's loop: read the host's facts, work out the provider it wants,
// sync it to placement; on failure log one line and retry with backoff and jitter.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "compute/api_client.h"
#include "compute/compute_config.h"
#include "compute/guest_driver.h"
#include "compute/pci_provider_sync.h"
#include "compute/power_worker.h"
#include "compute/provider_config_plan.h"
#include "compute/provider_sync.h"
#include "compute/spawner.h"
#include "placement_client/client.h"
#include "virt/host_facts.h"

namespace stratus::compute {

// Where the host's facts come from: libvirt, or a captured document (read again at
// every sync, so a test or a fleet simulation can change it under a running agent).
class FactsSource {
 public:
  virtual ~FactsSource() = default;
  virtual Result<virt::HostFacts> facts() = 0;
};
std::unique_ptr<FactsSource> libvirtFactsSource(const virt::VirtConfig& config);
std::unique_ptr<FactsSource> fileFactsSource(const std::string& path);

// Size of the filesystem holding `path` in whole GiB (the directory is created first).
Result<std::uint64_t> diskGbAt(const std::string& path);

class Agent {
 public:
  Agent(AgentConfig config, std::unique_ptr<FactsSource> facts,
        std::unique_ptr<placement_client::PlacementClient> placement,
        std::unique_ptr<ComputeApiClient> api = nullptr,
        std::unique_ptr<GuestDriver> guests = nullptr);

  // One sync of the compute node provider and its PCI children; the report says what
  // was written. With a compute API, the host's facts are reported to it after the
  // providers are in sync. [pci] is checked against the host's devices
  // (pci::validateAgainstHost) before anything is written: on the first facts read a
  // failure is this call's error (InvalidArgument, the agent stops: exit 2); later,
  // the PCI providers are left as they are and the report says pci_skipped. The
  // provider config files' additions (config.provider_configs) are matched to the
  // providers (resolveProviderConfigs) before anything is written too, with the same
  // rule: an error on the first sync stops the agent. So does [pci] iommufd = yes on a
  // host that cannot use iommufd (virt::validateIommufdMode, the host's arch).
  Result<SyncReport> syncOnce();
  // Takes this host's work from the compute API and does it: spawn and delete guests,
  // carry power actions a step further (reported when finished), remove managed guests
  // whose server the API places on no host, then report every managed guest's power
  // state for the API's sync. Returns tasks done.
  Result<int> workOnce();
  // Syncs every interval and takes work every poll interval until `stop` is set;
  // never returns early on peer failures. Returns early with the error only when the
  // first facts read show a [pci] that does not fit the host.
  Status run(const std::atomic<bool>& stop);

  ProviderSync& providerSync() { return sync_; }
  PciProviderSync& pciSync() { return pci_sync_; }
  const AgentConfig& config() const { return config_; }

 private:
  // The compute node provider's uuid: as synced, or as placement has it by name.
  Result<std::string> computeNodeUuid();

  AgentConfig config_;
  std::unique_ptr<FactsSource> facts_;
  std::unique_ptr<placement_client::PlacementClient> placement_;
  std::unique_ptr<ComputeApiClient> api_;
  std::unique_ptr<GuestDriver> guests_;
  std::unique_ptr<Spawner> spawner_;    // with guests_: spawns and deletes, PCI devices included
  std::unique_ptr<PowerWorker> power_;  // with guests_: power actions in progress
  ProviderSync sync_;
  PciProviderSync pci_sync_;
  bool pci_checked_ = false;         // [pci] validated once against the host's devices
  bool iommufd_gap_logged_ = false;  // [pci] iommufd = yes and the host lost what it needs
  // Provider config files: matched to this agent's providers once without error at
  // the first sync (else the agent stops, exit 2); later failures keep the last match.
  bool config_checked_ = false;
  ResolvedProviderConfig last_resolved_;
  std::set<std::string> skipped_logged_;  // entries naming no provider of ours, logged once
  // "stratus-<uuid>" guests of other agents (or of nobody) already logged as left alone,
  // so each is named once while it stays (work thread only).
  std::set<std::string> foreign_logged_;
  std::string record_path_;
  std::optional<PublishedRecord> record_;  // read at the first sync
  std::optional<Error> start_error_;
  // Written by the sync loop, read by the work loop.
  std::mutex facts_mu_;
  std::optional<virt::HostFacts> last_facts_;
  // The last power states the API acknowledged, and when (worker thread only).
  static constexpr std::chrono::seconds kPowerReportRefresh{10};
  std::optional<nlohmann::json> last_power_report_;
  std::chrono::steady_clock::time_point last_power_report_at_;
  bool host_reported_ = false;
};

// "created provider ...; inventories written; traits +A -B; pci providers +N -N ~N" or
// "... in sync, nothing written".
std::string describe(const SyncReport& report, const std::string& uuid);

}  // namespace stratus::compute
