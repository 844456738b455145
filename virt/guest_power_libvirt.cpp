#include "virt/guest_power_libvirt.h"

#include <libvirt/virterror.h>

#include <cstdlib>

namespace stratus::virt {
namespace {

Result<DomainHandle> lookup(const LibvirtConnection& conn, const std::string& name) {
  DomainHandle dom(virDomainLookupByName(conn.get(), name.c_str()));
  if (!dom) {
    if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
      return Error::make(ErrorCode::kNotFound, "no guest named '" + name + "'");
    }
    return libvirtError("cannot look up guest '" + name + "'");
  }
  return dom;
}

Result<LibvirtPowerState> stateOf(virDomainPtr dom, const std::string& name) {
  int state = VIR_DOMAIN_NOSTATE;
  int reason = 0;
  if (virDomainGetState(dom, &state, &reason, 0) < 0)
    return libvirtError("cannot read the state of guest '" + name + "'");
  const int saved = virDomainHasManagedSaveImage(dom, 0);
  if (saved < 0) return libvirtError("cannot tell whether guest '" + name + "' has a saved state");
  return LibvirtPowerState{state, saved == 1};
}

}  // namespace

Result<LibvirtPowerState> LibvirtGuestPower::state(const std::string& name) const {
  auto dom = lookup(conn_, name);
  if (!dom) return dom.takeError();
  return stateOf(dom->get(), name);
}

Result<std::map<std::string, LibvirtPowerState>> LibvirtGuestPower::states() const {
  virDomainPtr* doms = nullptr;
  const int n = virConnectListAllDomains(conn_.get(), &doms, 0);
  if (n < 0) return libvirtError("cannot list guests");
  std::map<std::string, LibvirtPowerState> out;
  Status failed = okStatus();
  for (int i = 0; i < n; ++i) {
    DomainHandle d(doms[i]);
    const char* name = virDomainGetName(d.get());
    if (name == nullptr || !failed) continue;
    auto s = stateOf(d.get(), name);
    // Undefined between the listing and the look: not there.
    if (!s && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) continue;
    if (!s) {
      failed = s.takeError();
      continue;
    }
    out[name] = *s;
  }
  std::free(doms);  // NOLINT(cppcoreguidelines-no-malloc)
  if (!failed) return failed.takeError();
  return out;
}

Status LibvirtGuestPower::call(const std::string& name, LibvirtPowerCall what) {
  auto dom = lookup(conn_, name);
  if (!dom) return dom.takeError();
  virDomainPtr d = dom->get();
  const int active = virDomainIsActive(d);
  if (active < 0) return libvirtError("cannot read the state of guest '" + name + "'");
  int rc = 0;
  const char* verb = "";
  switch (what) {
    case LibvirtPowerCall::kShutdown:
      verb = "ask guest to shut down";
      rc = active == 1 ? virDomainShutdown(d) : 0;
      break;
    case LibvirtPowerCall::kDestroy:
      verb = "destroy guest";
      rc = active == 1 ? virDomainDestroy(d) : 0;
      break;
    case LibvirtPowerCall::kCreate:
      verb = "start guest";
      rc = active == 1 ? 0 : virDomainCreate(d);
      break;
    case LibvirtPowerCall::kSuspend:
      verb = "pause guest";
      rc = virDomainSuspend(d);
      break;
    case LibvirtPowerCall::kResume:
      verb = "unpause guest";
      rc = virDomainResume(d);
      break;
    case LibvirtPowerCall::kManagedSave:
      verb = "save guest";
      rc = virDomainManagedSave(d, 0);
      break;
    case LibvirtPowerCall::kManagedSaveRemove:
      verb = "discard the saved state of guest";
      rc = virDomainManagedSaveRemove(d, 0);
      break;
  }
  if (rc < 0) return libvirtError(std::string("cannot ") + verb + " '" + name + "'");
  return okStatus();
}

}  // namespace stratus::virt
