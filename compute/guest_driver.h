// Where the agent's guests run. The libvirt driver defines (with validation) and starts
// them on the host's libvirt; the dry-run driver plans and renders the same XML but
// keeps the guests in memory, for simulated hosts (--host-facts) in load tests.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/result.h"
#include "compute/guest_ownership.h"
#include "compute/power_ops.h"
#include "virt/guest_plan.h"
#include "virt/guest_request.h"
#include "virt/host_facts.h"
#include "virt/viommu_model.h"
#include "virt/virt_config.h"

namespace stratus::compute {

// The agent manages only guests named "stratus-<server UUID>" that carry its own owner
// record (compute/guest_ownership.h); others are left alone.
inline constexpr std::string_view kManagedGuestPrefix = "stratus-";
bool isManagedGuestName(const std::string& name);

class GuestDriver {
 public:
  virtual ~GuestDriver() = default;
  // Who this driver records as the owner of the guests it defines.
  virtual const virt::GuestOwner& owner() const = 0;
  // Plans for this host, adds the assigned PCI devices and NUMA placement
  // (virt::addPassthrough), renders, defines and starts `flavor.name`. A guest of that
  // name that already runs is success (a task repeated after a restart).
  virtual Result<virt::ViommuModel> spawn(const virt::Flavor& flavor,
                                          const virt::ImageProperties& image,
                                          const virt::HostFacts& host,
                                          const virt::GuestPassthrough& passthrough) = 0;
  // Stops and undefines; a guest that is not there is success.
  virtual Status destroy(const std::string& name) = 0;
  // Every "stratus-<uuid>" guest that exists, running or not, with the owner it records
  // (unreadable owner metadata counts as none).
  virtual Result<GuestOwners> guestOwners() = 0;
  // The guests of guestOwners() that this driver's owner defined.
  Result<std::set<std::string>> managedGuests();
  // A defined guest's domain XML (libvirt's, or what the dry-run driver rendered);
  // NotFound when there is no such guest.
  virtual Result<std::string> guestXml(const std::string& name) = 0;
  // A guest's run state; NotFound when there is no such guest.
  virtual Result<GuestPowerInfo> powerInfo(const std::string& name) = 0;
  // The run state of every managed guest (ours only), by name.
  virtual Result<std::map<std::string, GuestPowerInfo>> managedPowerInfo() = 0;
  // One step of a power action (compute/power_ops.h: shutdown, destroy, create, pause,
  // unpause, managed save, discard save; kWait, kDone and kFail do nothing). NotFound
  // when there is no such guest; the driver's message when the step fails.
  virtual Status applyPowerOp(const std::string& name, GuestOp op) = 0;
};

// libvirt's virDomainState as a GuestRun (VIR_DOMAIN_BLOCKED counts as running).
GuestRun guestRunFromLibvirt(int state);

// `owner` is recorded in every guest the driver defines, and only guests recording it are
// managed. The dry-run driver keeps its guests in memory: all of them are its own.
std::unique_ptr<GuestDriver> libvirtGuestDriver(const virt::VirtConfig& config,
                                                virt::GuestOwner owner);
std::unique_ptr<GuestDriver> dryRunGuestDriver(const virt::VirtConfig& config,
                                               virt::GuestOwner owner = {"dry-run", "dry-run"});

}  // namespace stratus::compute
