// The agent's spawn and delete of one server's guest, PCI devices included: the
// allocation becomes concrete devices (compute/pci_assign), their ownership is recorded
// before the guest is defined (compute/pci_ownership), the guest's NUMA placement
// follows its devices (pci::numaPlacementFor), and a delete frees them once the guest
// is gone. Ownership is rebuilt from the record and the defined guests at first use, so
// a restarted agent gives no device twice.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "compute/api_client.h"
#include "compute/compute_config.h"
#include "compute/guest_driver.h"
#include "compute/pci_assign.h"

namespace stratus::compute {

// The NUMA policy that decides a guest's placement: the strictest of its PCI requests
// (pci::pciRequestsFrom). The agent's [pci] may lack the aliases the API resolved; then
// the flavor's hw:pci_numa_affinity_policy, else the image's, else legacy (Nova's
// default). `source` names where the policy came from, for messages.
struct ChosenNumaPolicy {
  pci::NumaPolicy policy = pci::NumaPolicy::kLegacy;
  std::string source;
};
Result<ChosenNumaPolicy> numaPolicyForSpawn(const virt::Flavor& flavor,
                                            const virt::ImageProperties& image,
                                            const pci::PciConfig& config);

// The devices and NUMA placement a guest with `devices` gets on `host`.
Result<virt::GuestPassthrough> passthroughFor(const std::vector<AssignedDevice>& devices,
                                              const virt::Flavor& flavor,
                                              const virt::ImageProperties& image,
                                              const pci::PciConfig& config,
                                              const virt::HostFacts& host);

class Spawner {
 public:
  // `guests` outlives the spawner.
  Spawner(const AgentConfig& config, GuestDriver& guests);

  // Assigns, records, defines and starts. Errors: those of assignPciDevices and
  // numaPlacementFor (FailedPrecondition, saying why), the record's, the driver's.
  Result<virt::ViommuModel> spawn(const AgentTask& task, const virt::HostFacts& facts);
  // Removes the guest, then frees the server's devices.
  Status destroy(const std::string& server_id, const std::string& instance_name);
  // Frees the devices of servers that are neither in `placed` nor have a guest here.
  Status releaseUnplaced(const std::set<std::string>& placed);
  // Address -> server, after the rebuild.
  Result<DeviceOwners> owners();

 private:
  Status loadLocked();
  Status saveLocked(const DeviceOwners& next);
  Status releaseLocked(const std::string& server_id);

  std::string host_;
  pci::PciConfig pci_;
  GuestDriver& guests_;
  std::string record_path_;
  std::mutex mu_;
  bool loaded_ = false;
  DeviceOwners owners_;
};

}  // namespace stratus::compute
