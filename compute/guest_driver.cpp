#include "compute/guest_driver.h"

#include <map>
#include <mutex>

#include "common/uuid.h"
#include "virt/domain_render.h"
#include "virt/guest_boot_libvirt.h"
#include "virt/guest_plan.h"
#include "virt/guest_power_libvirt.h"
#include "virt/libvirt_connection.h"

namespace stratus::compute {

bool isManagedGuestName(const std::string& name) {
  return name.rfind(kManagedGuestPrefix, 0) == 0 &&
         isCanonicalUuid(name.substr(kManagedGuestPrefix.size()));
}

GuestRun guestRunFromLibvirt(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return GuestRun::kRunning;
    case VIR_DOMAIN_PAUSED:
      return GuestRun::kPaused;
    case VIR_DOMAIN_SHUTDOWN:
      return GuestRun::kShuttingDown;
    case VIR_DOMAIN_SHUTOFF:
      return GuestRun::kShutOff;
    case VIR_DOMAIN_CRASHED:
      return GuestRun::kCrashed;
    case VIR_DOMAIN_PMSUSPENDED:
      return GuestRun::kPmSuspended;
    default:
      return GuestRun::kNoState;
  }
}

Result<std::set<std::string>> GuestDriver::managedGuests() {
  auto all = guestOwners();
  if (!all) return all.takeError();
  return sortGuestsByOwner(*all, owner()).ours;
}

namespace {

Result<std::pair<virt::ViommuModel, std::string>> planAndRender(const virt::Flavor& flavor,
                                                                const virt::ImageProperties& image,
                                                                const virt::HostFacts& host,
                                                                const virt::VirtConfig& config,
                                                                const virt::GuestPassthrough& pt,
                                                                const virt::GuestOwner& owner) {
  auto plan = virt::planGuest(flavor, image, host, config);
  if (!plan) return plan.takeError();
  plan->domain.owner = owner;
  STRATUS_RETURN_IF_ERROR(virt::checkPassthrough(*plan, pt, host));
  virt::addPassthrough(*plan, pt, host);
  auto xml = virt::renderDomainXml(plan->domain);
  if (!xml) return xml.takeError();
  return std::make_pair(plan->resolved, std::move(*xml));
}

class LibvirtDriver final : public GuestDriver {
 public:
  LibvirtDriver(virt::VirtConfig config, virt::GuestOwner owner)
      : config_(std::move(config)), owner_(std::move(owner)) {}
  const virt::GuestOwner& owner() const override { return owner_; }

  Result<virt::ViommuModel> spawn(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                  const virt::HostFacts& host,
                                  const virt::GuestPassthrough& passthrough) override {
    auto rendered = planAndRender(flavor, image, host, config_, passthrough, owner_);
    if (!rendered) return rendered.takeError();
    auto conn = open();
    if (!conn) return conn.takeError();
    virt::LibvirtGuests guests(*conn);
    auto existing = guests.names();
    if (!existing) return existing.takeError();
    for (const auto& n : *existing) {
      if (n != flavor.name) continue;
      // Defined by an attempt that was cut short: running is done, else start afresh.
      auto running = guests.isRunning(flavor.name);
      if (running && *running) return rendered->first;
      STRATUS_RETURN_IF_ERROR(guests.destroyAndUndefine(flavor.name));
    }
    STRATUS_RETURN_IF_ERROR(guests.defineAndStart(rendered->second));
    return rendered->first;
  }

  Status destroy(const std::string& name) override {
    auto conn = open();
    if (!conn) return conn.takeError();
    auto s = virt::LibvirtGuests(*conn).destroyAndUndefine(name);
    if (!s && s.error().code == ErrorCode::kNotFound) return okStatus();
    return s;
  }

  Result<GuestOwners> guestOwners() override {
    auto conn = open();
    if (!conn) return conn.takeError();
    virt::LibvirtGuests guests(*conn);
    auto names = guests.names();
    if (!names) return names.takeError();
    GuestOwners out;
    for (const auto& n : *names) {
      if (!isManagedGuestName(n)) continue;
      auto element = guests.metadataElement(n, std::string(virt::kGuestOwnerNamespace));
      if (!element) {
        if (element.error().code == ErrorCode::kNotFound) continue;  // removed meanwhile
        return element.takeError();
      }
      std::optional<virt::GuestOwner> owner;
      if (*element) {
        if (auto parsed = virt::parseGuestOwner(**element); parsed) owner = std::move(*parsed);
      }
      out[n] = std::move(owner);
    }
    return out;
  }

  Result<std::string> guestXml(const std::string& name) override {
    auto conn = open();
    if (!conn) return conn.takeError();
    return virt::LibvirtGuests(*conn).liveXml(name);
  }

  Result<GuestPowerInfo> powerInfo(const std::string& name) override {
    auto conn = open();
    if (!conn) return conn.takeError();
    auto st = virt::LibvirtGuestPower(*conn).state(name);
    if (!st) return st.takeError();
    return GuestPowerInfo{guestRunFromLibvirt(st->state), st->saved};
  }

  Result<std::map<std::string, GuestPowerInfo>> managedPowerInfo() override {
    auto conn = open();
    if (!conn) return conn.takeError();
    auto states = virt::LibvirtGuestPower(*conn).states();
    if (!states) return states.takeError();
    // Listed after the states: a guest defined in between is simply not reported yet.
    auto ours = managedGuests();
    if (!ours) return ours.takeError();
    std::map<std::string, GuestPowerInfo> out;
    for (const auto& [name, st] : *states) {
      if (ours->contains(name)) out[name] = {guestRunFromLibvirt(st.state), st.saved};
    }
    return out;
  }

  Status applyPowerOp(const std::string& name, GuestOp op) override {
    using Call = virt::LibvirtPowerCall;
    Call call = Call::kCreate;
    switch (op) {
      case GuestOp::kShutdown:
        call = Call::kShutdown;
        break;
      case GuestOp::kDestroy:
        call = Call::kDestroy;
        break;
      case GuestOp::kCreate:
        call = Call::kCreate;
        break;
      case GuestOp::kPause:
        call = Call::kSuspend;
        break;
      case GuestOp::kUnpause:
        call = Call::kResume;
        break;
      case GuestOp::kManagedSave:
        call = Call::kManagedSave;
        break;
      case GuestOp::kDiscardSave:
        call = Call::kManagedSaveRemove;
        break;
      default:
        return okStatus();
    }
    auto conn = open();
    if (!conn) return conn.takeError();
    return virt::LibvirtGuestPower(*conn).call(name, call);
  }

 private:
  Result<virt::LibvirtConnection> open() {
    auto conn = virt::LibvirtConnection::open(config_.connection_uri);
    if (!conn) {
      Error e = conn.takeError();
      e.code = ErrorCode::kUnavailable;
      return e;
    }
    return conn;
  }
  virt::VirtConfig config_;
  virt::GuestOwner owner_;
};

class DryRunDriver final : public GuestDriver {
 public:
  DryRunDriver(virt::VirtConfig config, virt::GuestOwner owner)
      : config_(std::move(config)), owner_(std::move(owner)) {}
  const virt::GuestOwner& owner() const override { return owner_; }

  Result<virt::ViommuModel> spawn(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                  const virt::HostFacts& host,
                                  const virt::GuestPassthrough& passthrough) override {
    auto rendered = planAndRender(flavor, image, host, config_, passthrough, owner_);
    if (!rendered) return rendered.takeError();
    std::lock_guard lock(mu_);
    // Like libvirt: a guest of that name that is there already stays as it is.
    auto [it, added] = guests_.emplace(flavor.name, Guest{std::move(rendered->second), {}});
    if (added) it->second.power.run = GuestRun::kRunning;
    return rendered->first;
  }
  Status destroy(const std::string& name) override {
    std::lock_guard lock(mu_);
    guests_.erase(name);
    return okStatus();
  }
  Result<GuestOwners> guestOwners() override {
    std::lock_guard lock(mu_);
    GuestOwners out;
    for (const auto& [name, guest] : guests_) out[name] = owner_;
    return out;
  }
  Result<std::string> guestXml(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = guests_.find(name);
    if (it == guests_.end()) {
      return Error::make(ErrorCode::kNotFound, "no guest named " + name + " (dry run)");
    }
    return it->second.xml;
  }
  Result<GuestPowerInfo> powerInfo(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = guests_.find(name);
    if (it == guests_.end()) {
      return Error::make(ErrorCode::kNotFound, "no guest named " + name + " (dry run)");
    }
    return it->second.power;
  }
  Result<std::map<std::string, GuestPowerInfo>> managedPowerInfo() override {
    std::lock_guard lock(mu_);
    std::map<std::string, GuestPowerInfo> out;
    for (const auto& [name, guest] : guests_) out[name] = guest.power;
    return out;
  }
  // The same transitions libvirt makes, at once: a dry-run guest obeys ACPI immediately.
  Status applyPowerOp(const std::string& name, GuestOp op) override {
    std::lock_guard lock(mu_);
    auto it = guests_.find(name);
    if (it == guests_.end()) {
      return Error::make(ErrorCode::kNotFound, "no guest named " + name + " (dry run)");
    }
    GuestPowerInfo& p = it->second.power;
    const bool active = p.run != GuestRun::kShutOff;
    const auto refuse = [&](const char* verb) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         std::string("cannot ") + verb + " guest '" + name + "' (dry run): it is " +
                             std::string(guestRunName(p.run)));
    };
    switch (op) {
      case GuestOp::kShutdown:
      case GuestOp::kDestroy:
        p.run = GuestRun::kShutOff;
        break;
      case GuestOp::kCreate:
        if (!active) p = {GuestRun::kRunning, false};
        break;
      case GuestOp::kPause:
        if (p.run != GuestRun::kRunning) return refuse("pause");
        p.run = GuestRun::kPaused;
        break;
      case GuestOp::kUnpause:
        if (p.run != GuestRun::kPaused) return refuse("unpause");
        p.run = GuestRun::kRunning;
        break;
      case GuestOp::kManagedSave:
        if (!active) return refuse("save");
        p = {GuestRun::kShutOff, true};
        break;
      case GuestOp::kDiscardSave:
        p.saved = false;
        break;
      default:
        break;
    }
    return okStatus();
  }

 private:
  struct Guest {
    std::string xml;  // the rendered domain XML
    GuestPowerInfo power;
  };
  virt::VirtConfig config_;
  virt::GuestOwner owner_;
  std::mutex mu_;
  std::map<std::string, Guest> guests_;
};

}  // namespace

std::unique_ptr<GuestDriver> libvirtGuestDriver(const virt::VirtConfig& config,
                                                virt::GuestOwner owner) {
  return std::make_unique<LibvirtDriver>(config, std::move(owner));
}

std::unique_ptr<GuestDriver> dryRunGuestDriver(const virt::VirtConfig& config,
                                               virt::GuestOwner owner) {
  return std::make_unique<DryRunDriver>(config, std::move(owner));
}

}  // namespace stratus::compute
