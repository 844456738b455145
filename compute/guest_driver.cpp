#include "compute/guest_driver.h"

#include <map>
#include <mutex>

#include "common/uuid.h"
#include "virt/domain_render.h"
#include "virt/guest_boot_libvirt.h"
#include "virt/guest_plan.h"
#include "virt/libvirt_connection.h"

namespace stratus::compute {

bool isManagedGuestName(const std::string& name) {
  return name.rfind(kManagedGuestPrefix, 0) == 0 &&
         isCanonicalUuid(name.substr(kManagedGuestPrefix.size()));
}

namespace {

Result<std::pair<virt::ViommuModel, std::string>> planAndRender(const virt::Flavor& flavor,
                                                                const virt::ImageProperties& image,
                                                                const virt::HostFacts& host,
                                                                const virt::VirtConfig& config,
                                                                const virt::GuestPassthrough& pt) {
  auto plan = virt::planGuest(flavor, image, host, config);
  if (!plan) return plan.takeError();
  virt::addPassthrough(*plan, pt, host);
  auto xml = virt::renderDomainXml(plan->domain);
  if (!xml) return xml.takeError();
  return std::make_pair(plan->resolved, std::move(*xml));
}

class LibvirtDriver final : public GuestDriver {
 public:
  explicit LibvirtDriver(virt::VirtConfig config) : config_(std::move(config)) {}

  Result<virt::ViommuModel> spawn(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                  const virt::HostFacts& host,
                                  const virt::GuestPassthrough& passthrough) override {
    auto rendered = planAndRender(flavor, image, host, config_, passthrough);
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

  Result<std::set<std::string>> managedGuests() override {
    auto conn = open();
    if (!conn) return conn.takeError();
    auto names = virt::LibvirtGuests(*conn).names();
    if (!names) return names.takeError();
    std::set<std::string> out;
    for (const auto& n : *names) {
      if (isManagedGuestName(n)) out.insert(n);
    }
    return out;
  }

  Result<std::string> guestXml(const std::string& name) override {
    auto conn = open();
    if (!conn) return conn.takeError();
    return virt::LibvirtGuests(*conn).liveXml(name);
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
};

class DryRunDriver final : public GuestDriver {
 public:
  explicit DryRunDriver(virt::VirtConfig config) : config_(std::move(config)) {}

  Result<virt::ViommuModel> spawn(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                  const virt::HostFacts& host,
                                  const virt::GuestPassthrough& passthrough) override {
    auto rendered = planAndRender(flavor, image, host, config_, passthrough);
    if (!rendered) return rendered.takeError();
    std::lock_guard lock(mu_);
    // Like libvirt: a guest of that name that is there already stays as it is.
    guests_.emplace(flavor.name, std::move(rendered->second));
    return rendered->first;
  }
  Status destroy(const std::string& name) override {
    std::lock_guard lock(mu_);
    guests_.erase(name);
    return okStatus();
  }
  Result<std::set<std::string>> managedGuests() override {
    std::lock_guard lock(mu_);
    std::set<std::string> out;
    for (const auto& [name, xml] : guests_) out.insert(name);
    return out;
  }
  Result<std::string> guestXml(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = guests_.find(name);
    if (it == guests_.end()) {
      return Error::make(ErrorCode::kNotFound, "no guest named " + name + " (dry run)");
    }
    return it->second;
  }

 private:
  virt::VirtConfig config_;
  std::mutex mu_;
  std::map<std::string, std::string> guests_;  // name -> the rendered domain XML
};

}  // namespace

std::unique_ptr<GuestDriver> libvirtGuestDriver(const virt::VirtConfig& config) {
  return std::make_unique<LibvirtDriver>(config);
}

std::unique_ptr<GuestDriver> dryRunGuestDriver(const virt::VirtConfig& config) {
  return std::make_unique<DryRunDriver>(config);
}

}  // namespace stratus::compute
