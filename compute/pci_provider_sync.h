// Keeps the PCI child providers under the compute node provider equal to the plan
// (compute/pci_provider_plan.h), writing only what differs. Placement microversion
// >= 1.18 (parent_provider_uuid needs 1.14, `required` on the provider list 1.18);
// the agent speaks 1.26.
//
// Only this host's tree is looked at (in_tree=<compute node uuid>), and only a direct
// child carrying COMPUTE_MANAGED_PCI_DEVICE is ever removed: that trait is how the
// agent knows a provider is its own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compute/pci_provider_plan.h"
#include "placement_client/client.h"

namespace stratus::compute {

struct PciSyncReport {
  std::set<std::string> added;    // created, by name
  std::set<std::string> removed;  // deleted (no longer on the host, no allocations)
  std::set<std::string> updated;  // inventories or traits rewritten
  // One line each, for the log: providers kept because consumers hold them, and
  // writes placement refused (e.g. a shrink below what is in use).
  std::vector<std::string> warnings;
  int conflicts = 0;  // generation conflicts met and retried
};

class PciProviderSync {
 public:
  static constexpr int kMaxAttempts = 5;

  explicit PciProviderSync(placement_client::PlacementClient& client) : client_(client) {}

  // `root_uuid` is the compute node provider of `host`. Errors are placement being
  // unreachable or a conflict that kept coming back; a refused write is a warning.
  Result<PciSyncReport> sync(const std::string& host, const std::string& root_uuid,
                             const std::vector<DesiredPciProvider>& desired);

  // Called just before each write to placement (tests put a concurrent writer there).
  std::function<void()> before_write;

 private:
  struct View {
    std::int64_t generation = 0;
    placement_client::Inventories inventories;
    std::set<std::string> traits;
  };
  Status syncOne(const std::string& root_uuid, const DesiredPciProvider& desired,
                 std::map<std::string, placement_client::Provider>& tree, PciSyncReport& report);
  Status removeStale(const std::string& host, const placement_client::Provider& provider,
                     PciSyncReport& report);
  Status readView(const placement_client::Provider& provider);
  void beforeWrite() {
    if (before_write) before_write();
  }

  placement_client::PlacementClient& client_;
  std::map<std::string, View> views_;  // by provider uuid, as last read or written
};

}  // namespace stratus::compute
