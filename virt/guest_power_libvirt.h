// A defined guest's power state and the libvirt calls that change it (Nova's libvirt
// driver uses the same ones for stop, start, reboot, pause and suspend).
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "virt/libvirt_connection.h"

namespace stratus::virt {

// libvirt's own view: state is a virDomainState (VIR_DOMAIN_RUNNING...), saved whether a
// managed-save image exists.
struct LibvirtPowerState {
  int state = VIR_DOMAIN_NOSTATE;
  bool saved = false;
};

enum class LibvirtPowerCall {
  kShutdown,           // virDomainShutdown: ask the guest OS (ACPI)
  kDestroy,            // virDomainDestroy; a guest already off is left as it is
  kCreate,             // virDomainCreate; restores a managed-save image; a running guest is left
  kSuspend,            // virDomainSuspend: pause the vCPUs
  kResume,             // virDomainResume
  kManagedSave,        // virDomainManagedSave
  kManagedSaveRemove,  // virDomainManagedSaveRemove
};

class LibvirtGuestPower {
 public:
  explicit LibvirtGuestPower(const LibvirtConnection& conn) : conn_(conn) {}

  // NotFound when there is no such guest; libvirt's message otherwise.
  Result<LibvirtPowerState> state(const std::string& name) const;
  // Every defined guest's state, by name.
  Result<std::map<std::string, LibvirtPowerState>> states() const;
  Status call(const std::string& name, LibvirtPowerCall what);

 private:
  const LibvirtConnection& conn_;
};

}  // namespace stratus::virt
