// Keeps the host's resource provider in placement equal to what the agent wants,
// writing only what differs. It remembers the provider's generation, inventories and
// traits between syncs, so a sync with nothing changed is one GET of the provider.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compute/provider_plan.h"
#include "placement_client/client.h"

namespace stratus::compute {

struct SyncReport {
  bool created = false;
  bool adopted = false;  // found an existing provider with the host's name
  bool inventories_written = false;
  bool traits_written = false;
  int conflicts = 0;  // generation conflicts met and retried
  std::set<std::string> traits_added;
  std::set<std::string> traits_removed;
  // The PCI child providers (compute/pci_provider_sync.h); `pci_skipped` when [pci]
  // did not validate against the host's devices and no PCI change was published.
  std::set<std::string> pci_added, pci_removed, pci_updated;
  std::vector<std::string> pci_warnings;
  bool pci_skipped = false;
};

class ProviderSync {
 public:
  static constexpr int kMaxAttempts = 5;

  ProviderSync(placement_client::PlacementClient& client, traits::TraitsConfig traits)
      : client_(client), traits_(std::move(traits)) {}

  Result<SyncReport> sync(const DesiredProvider& desired);

  // Empty until the first sync found or created the provider.
  std::string providerUuid() const { return view_ ? view_->provider.uuid : std::string(); }

  // Called just before each write to placement. Tests use it to put a real concurrent
  // writer between the agent's read and its write.
  std::function<void()> before_write;

 private:
  struct View {
    placement_client::Provider provider;
    placement_client::Inventories inventories;
    std::set<std::string> traits;
    bool stale = true;  // inventories/traits must be read again
  };
  Status refresh(const std::string& name, SyncReport& report);
  Status findOrCreate(const std::string& name, SyncReport& report);
  Status readDetails();

  placement_client::PlacementClient& client_;
  traits::TraitsConfig traits_;
  std::optional<View> view_;
};

}  // namespace stratus::compute
