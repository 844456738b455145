#include "compute/agent.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <thread>

#include "common/log.h"
#include "virt/host_probe_libvirt.h"
#include "virt/iommufd_plan.h"
#include "virt/libvirt_connection.h"

namespace stratus::compute {
namespace {

class LibvirtFacts final : public FactsSource {
 public:
  explicit LibvirtFacts(virt::VirtConfig config) : config_(std::move(config)) {}
  Result<virt::HostFacts> facts() override {
    // A fresh connection per probe: libvirtd restarts must not leave us holding a dead one.
    auto conn = virt::LibvirtConnection::open(config_.connection_uri);
    if (!conn) {
      Error e = conn.takeError();
      e.code = ErrorCode::kUnavailable;
      return e;
    }
    return virt::probeHost(*conn, config_.virt_type, config_.kernel_root);
  }

 private:
  virt::VirtConfig config_;
};

class FileFacts final : public FactsSource {
 public:
  explicit FileFacts(std::string path) : path_(std::move(path)) {}
  Result<virt::HostFacts> facts() override { return virt::loadHostFacts(path_); }

 private:
  std::string path_;
};

std::string joined(const std::set<std::string>& names, char sign) {
  std::string out;
  for (const auto& n : names) {
    out += ' ';
    out += sign;
    out += n;
  }
  return out;
}

}  // namespace

std::unique_ptr<FactsSource> libvirtFactsSource(const virt::VirtConfig& config) {
  return std::make_unique<LibvirtFacts>(config);
}

std::unique_ptr<FactsSource> fileFactsSource(const std::string& path) {
  return std::make_unique<FileFacts>(path);
}

Result<std::uint64_t> diskGbAt(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return Error::precondition("[compute] instances_path", path,
                               "cannot create the instances path " + path + ": " + ec.message());
  }
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) {
    return Error::precondition("[compute] instances_path", path,
                               "cannot read the size of the filesystem holding " + path);
  }
  return static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize / (1024ULL * 1024 * 1024);
}

std::string describe(const SyncReport& report, const std::string& uuid) {
  std::string out = "provider " + uuid + ":";
  if (report.created) out += " created;";
  if (report.adopted) out += " adopted the existing provider with this host's name;";
  if (report.inventories_written) out += " inventories written;";
  if (report.traits_written) {
    // Appended piece by piece: `" traits" + joined(...)` gives g++ 12 -O3 a bogus
    // -Wrestrict (GCC bug 105329).
    out.append(" traits").append(joined(report.traits_added, '+'));
    out.append(joined(report.traits_removed, '-')).append(";");
  }
  const bool pci_changed =
      !report.pci_added.empty() || !report.pci_removed.empty() || !report.pci_updated.empty();
  if (pci_changed) {
    out.append(" pci providers").append(joined(report.pci_added, '+'));
    out.append(joined(report.pci_removed, '-')).append(joined(report.pci_updated, '~'));
    out.append(";");
  }
  if (report.pci_skipped) out += " pci providers left as they were ([pci] does not fit the host);";
  if (report.conflicts > 0) {
    out += " " + std::to_string(report.conflicts) + " generation conflict(s) retried;";
  }
  if (!report.created && !report.inventories_written && !report.traits_written && !pci_changed) {
    out += " in sync, nothing written";
  }
  if (out.back() == ';') out.pop_back();
  return out;
}

Agent::Agent(AgentConfig config, std::unique_ptr<FactsSource> facts,
             std::unique_ptr<placement_client::PlacementClient> placement,
             std::unique_ptr<ComputeApiClient> api, std::unique_ptr<GuestDriver> guests)
    : config_(std::move(config)),
      facts_(std::move(facts)),
      placement_(std::move(placement)),
      api_(std::move(api)),
      guests_(std::move(guests)),
      spawner_(guests_ ? std::make_unique<Spawner>(config_, *guests_) : nullptr),
      power_(guests_ ? std::make_unique<PowerWorker>(*guests_, config_.power_timeouts) : nullptr),
      sync_(*placement_, config_.traits),
      pci_sync_(*placement_),
      record_path_(publishedRecordPath(config_.instances_path, config_.host)) {}

Result<std::string> Agent::computeNodeUuid() {
  if (!sync_.providerUuid().empty()) return sync_.providerUuid();
  const bool by_uuid =
      std::any_of(config_.provider_configs.entries.begin(), config_.provider_configs.entries.end(),
                  [](const ProviderConfigEntry& e) {
                    return e.by == ProviderConfigEntry::By::kUuid && e.id != kComputeNodeSentinel;
                  });
  if (!by_uuid) return providerUuidFor(config_.host);
  // Before the first sync: an existing provider with the host's name is adopted under
  // its own uuid, and config entries naming it by uuid must match that one.
  auto found = placement_->findProviderByName(config_.host);
  if (!found) return found.takeError();
  return *found ? (*found)->uuid : providerUuidFor(config_.host);
}

Result<SyncReport> Agent::syncOnce() {
  auto facts = facts_->facts();
  if (!facts) return facts.takeError();
  auto disk = diskGbAt(config_.instances_path);
  if (!disk) return disk.takeError();
  auto desired = desiredProvider(config_.host, *facts, *disk, config_);
  if (!desired) return desired.takeError();
  // [pci] iommufd = yes on a host that cannot (virt::validateIommufdMode, for the host's
  // own arch: assigned devices need kvm, which runs only that arch). At the first read the
  // agent stops before anything is written; later it says so once per change, and the
  // hostdevs it renders for `yes` will fail to start until the host can again.
  if (auto s = virt::validateIommufdMode(config_.pci.iommufd, *facts, facts->arch); !s) {
    if (!pci_checked_) {
      start_error_ = s.error();
      return s.takeError();
    }
    if (!iommufd_gap_logged_) logLine("warning: " + s.error().message);
    iommufd_gap_logged_ = true;
  } else {
    iommufd_gap_logged_ = false;
  }
  // Checked before anything is written, so a bad [pci] at start publishes nothing.
  auto pci = desiredPciProviders(config_.host, facts->pci_devices, config_.pci);
  if (!pci && !pci_checked_) {
    start_error_ = pci.error();
    return pci.takeError();
  }
  pci_checked_ = true;
  if (!record_) {
    auto record = loadPublishedRecord(record_path_);
    if (!record) {
      start_error_ = record.error();
      return record.takeError();
    }
    record_ = std::move(*record);
  }
  std::vector<DesiredPciProvider> pci_plan = pci ? *pci : std::vector<DesiredPciProvider>{};
  auto root_uuid = computeNodeUuid();
  if (!root_uuid) return root_uuid.takeError();
  auto resolved = resolveProviderConfigs(config_.provider_configs, *desired, *root_uuid, pci_plan,
                                         config_.traits);
  if (!resolved) {
    if (!config_checked_) {
      start_error_ = resolved.error();
      return resolved.takeError();
    }
    logLine("warning: provider config files kept as last matched: " + resolved.error().message);
    resolved = last_resolved_;
  }
  config_checked_ = true;
  last_resolved_ = *resolved;
  std::set<std::string> skipped(resolved->skipped.begin(), resolved->skipped.end());
  for (const auto& entry : skipped) {
    if (!skipped_logged_.contains(entry)) {
      logLine("warning: provider config " + entry +
              " names no provider of this host; skipped until it does");
    }
  }
  skipped_logged_ = std::move(skipped);

  PublishedRecord next = applyProviderConfig(*desired, *root_uuid, pci_plan, *resolved, *record_);
  if (!pci) {
    // The PCI providers are not synced: what was recorded for them still holds.
    for (const auto& [uuid, entry] : *record_) {
      if (uuid != *root_uuid) next[uuid] = entry;
    }
  }
  // Recorded before it is written, so a crash in between still knows it is ours.
  if (!covers(*record_, next)) {
    PublishedRecord ahead = unionOf(*record_, next);
    STRATUS_RETURN_IF_ERROR(savePublishedRecord(record_path_, ahead));
    record_ = std::move(ahead);
  }

  auto report = sync_.sync(*desired);
  if (!report) return report;
  if (!pci) {
    logLine("warning: PCI providers left as they were: " + pci.error().message);
    report->pci_skipped = true;
  } else {
    auto pci_report = pci_sync_.sync(config_.host, sync_.providerUuid(), pci_plan);
    if (!pci_report) return pci_report.takeError();
    for (const auto& w : pci_report->warnings) logLine("warning: " + w);
    report->pci_added = std::move(pci_report->added);
    report->pci_removed = std::move(pci_report->removed);
    report->pci_updated = std::move(pci_report->updated);
    report->pci_warnings = std::move(pci_report->warnings);
    report->conflicts += pci_report->conflicts;
  }
  // A refused write (say a device class still in use) may have left what the record
  // names on a provider: forget nothing until a sync has no refusals.
  if (!report->pci_warnings.empty()) next = unionOf(*record_, next);
  if (next != *record_) {
    STRATUS_RETURN_IF_ERROR(savePublishedRecord(record_path_, next));
    record_ = std::move(next);
  }
  bool reported = false;
  Status api_status = okStatus();
  if (api_) {
    DeviceOwners owners;
    if (spawner_) {
      // An unreadable record is the spawner's error to report at its next spawn; the
      // host report goes out without owners rather than not at all.
      if (auto o = spawner_->owners()) owners = std::move(*o);
    }
    api_status = api_->reportHost(config_.host, sync_.providerUuid(), virt::hostFactsToJson(*facts),
                                  config_.default_availability_zone, owners);
    reported = api_status.ok();
  }
  {
    std::lock_guard lock(facts_mu_);
    last_facts_ = *facts;
    host_reported_ = reported;
  }
  if (!api_status) return api_status.takeError();
  return report;
}

Result<int> Agent::workOnce() {
  std::optional<virt::HostFacts> facts;
  {
    std::lock_guard lock(facts_mu_);
    if (host_reported_) facts = last_facts_;
  }
  if (!api_ || !guests_ || !facts) return 0;
  // Listed before the work is fetched: any guest seen here was defined from a task issued
  // earlier, so its server is in `placed` unless it really is an orphan. (Listing after
  // could catch another agent's spawn on a shared libvirt that our snapshot predates.)
  // Only guests recording this agent as their owner are ours to reap or report; another
  // agent's on the same libvirt (another cloud, another test stack) is named once and left.
  auto owners = guests_->guestOwners();
  if (!owners) return owners.takeError();
  SortedGuests sorted = sortGuestsByOwner(*owners, guests_->owner());
  const std::set<std::string>& managed = sorted.ours;
  std::erase_if(foreign_logged_, [&](const std::string& n) { return !sorted.others.contains(n); });
  for (const auto& [name, owner] : sorted.others) {
    if (foreign_logged_.insert(name).second) {
      logLine(foreignGuestLine(name, owner, guests_->owner()));
    }
  }
  auto work = api_->work(config_.host);
  if (!work) return work.takeError();
  int done = 0;
  std::set<std::string> powering;
  for (const AgentTask& task : work->tasks) {
    if (auto action = parsePowerAction(task.action)) {
      powering.insert(task.server_id);
      auto out = power_->advance(task.server_id, task.instance_name, *action,
                                 std::chrono::steady_clock::now());
      if (!out.finished) {
        if (!out.message.empty()) logLine("server " + task.server_id + ": " + out.message);
        continue;
      }
      logLine("server " + task.server_id + ": " + task.action +
              (out.ok ? " done" : " failed: " + out.message) + ", guest " +
              std::string(guestRunName(out.power.run)));
      STRATUS_RETURN_IF_ERROR(api_->reportPowerEvent(task.server_id, task.action, out.ok,
                                                     config_.host, out.message,
                                                     novaPowerState(out.power), out.power.saved));
    } else if (task.action == "spawn") {
      auto model = spawner_->spawn(task, *facts);
      if (!model && model.error().code == ErrorCode::kUnavailable) return model.takeError();
      const std::string resolved = model ? std::string(virt::viommuModelName(*model)) : "";
      logLine("server " + task.server_id + ": spawn " +
              (model ? "ok, vIOMMU " + resolved : "failed: " + model.error().message));
      STRATUS_RETURN_IF_ERROR(api_->reportEvent(task.server_id, "spawn", model.ok(), config_.host,
                                                model ? "" : model.error().message, resolved));
    } else if (task.action == "delete") {
      auto s = spawner_->destroy(task.server_id, task.instance_name);
      if (!s) {
        logLine("server " + task.server_id + ": delete failed: " + s.error().message);
        continue;  // the task stays; the next poll tries again
      }
      logLine("server " + task.server_id + ": guest removed");
      STRATUS_RETURN_IF_ERROR(api_->reportEvent(task.server_id, "delete", true, config_.host, ""));
    }
    ++done;
  }
  // A guest of ours whose server the API places nowhere is left over from an interrupted
  // boot or delete: nothing will ever account for it, so it goes.
  for (const auto& name : managed) {
    const std::string id = name.substr(kManagedGuestPrefix.size());
    if (work->placed.contains(id)) continue;
    if (auto s = spawner_->destroy(id, name); s) {
      logLine("removed orphan guest " + name + " of this agent (" +
              virt::describeOwner(guests_->owner()) +
              "): the API places no such server on any host");
    }
  }
  // Devices recorded for a server that has neither a guest here nor a place anywhere
  // (a spawn cut short, then the server deleted) are free again.
  if (auto s = spawner_->releaseUnplaced(work->placed); !s) {
    logLine("freeing PCI devices of unplaced servers failed: " + s.error().message);
  }
  power_->retain(powering);
  // Read after this pass's events were reported, so the API never sees a state older
  // than an outcome it already has.
  auto powers = guests_->managedPowerInfo();
  if (!powers) return powers.takeError();
  nlohmann::json guests = nlohmann::json::object();
  for (const auto& [name, info] : *powers) {
    guests[name.substr(kManagedGuestPrefix.size())] = {{"power_state", novaPowerState(info)},
                                                       {"saved", info.saved}};
  }
  // The same guests in the same states as last time, with no event reported since, tell
  // the API nothing new: a fleet idling at its poll interval would otherwise double the
  // API's requests. Sent anyway every kPowerReportRefresh, so a restarted API hears it.
  const auto now = std::chrono::steady_clock::now();
  if (done == 0 && last_power_report_ && *last_power_report_ == guests &&
      now - last_power_report_at_ < kPowerReportRefresh) {
    return done;
  }
  last_power_report_.reset();
  STRATUS_RETURN_IF_ERROR(api_->reportPowerStates(config_.host, guests));
  last_power_report_ = std::move(guests);
  last_power_report_at_ = now;
  return done;
}

Status Agent::run(const std::atomic<bool>& stop) {
  // Set when the first facts show a [pci] that does not fit the host: everything stops.
  std::atomic<bool> halt{false};
  const auto stopping = [&] { return stop.load() || halt.load(); };
  std::thread worker;
  if (api_ && guests_) {
    worker = std::thread([this, &stopping] {
      int failures = 0;
      while (!stopping()) {
        auto done = workOnce();
        if (!done) {
          if (failures++ == 0) logLine("taking work failed: " + done.error().message);
        } else if (failures > 0) {
          logLine("taking work recovered after " + std::to_string(failures) + " failure(s)");
          failures = 0;
        }
        const auto wait =
            failures > 0 ? std::chrono::milliseconds(1000) : config_.work_poll_interval;
        const auto until = std::chrono::steady_clock::now() + wait;
        while (!stopping() && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    });
  }
  std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  int failures = 0;
  while (!stop.load()) {
    std::chrono::milliseconds wait = config_.sync_interval;
    auto report = syncOnce();
    if (report) {
      if (failures > 0) logLine("sync recovered after " + std::to_string(failures) + " failure(s)");
      failures = 0;
      logLine(describe(*report, sync_.providerUuid()));
    } else if (start_error_) {
      halt.store(true);
      if (worker.joinable()) worker.join();
      return *start_error_;
    } else {
      ++failures;
      // 1 s, 2 s, 4 s ... up to the sync interval, each +-20% so a fleet that lost
      // placement together does not come back in lockstep.
      const auto backoff = std::chrono::milliseconds(1000LL << std::min(failures - 1, 16));
      wait = std::min<std::chrono::milliseconds>(backoff, config_.sync_interval);
      wait = std::chrono::milliseconds(
          static_cast<long long>(static_cast<double>(wait.count()) * jitter(rng)));
      logLine("sync failed (attempt " + std::to_string(failures) + "): " + report.error().message +
              "; retrying in " + std::to_string(wait.count()) + " ms");
    }
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (worker.joinable()) worker.join();
  return okStatus();
}

}  // namespace stratus::compute
