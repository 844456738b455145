#include "api/model.h"

#include <chrono>
#include <ctime>

namespace stratus::api {

NLOHMANN_JSON_SERIALIZE_ENUM(ServerTask, {{ServerTask::kNone, ""},
                                          {ServerTask::kScheduling, "scheduling"},
                                          {ServerTask::kSpawning, "spawning"},
                                          {ServerTask::kDeleting, "deleting"},
                                          {ServerTask::kPoweringOff, "powering-off"},
                                          {ServerTask::kPoweringOn, "powering-on"},
                                          {ServerTask::kRebooting, "rebooting"},
                                          {ServerTask::kRebootingHard, "rebooting_hard"},
                                          {ServerTask::kPausing, "pausing"},
                                          {ServerTask::kUnpausing, "unpausing"},
                                          {ServerTask::kSuspending, "suspending"},
                                          {ServerTask::kResuming, "resuming"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FlavorRecord, id, name, description, vcpus, ram_mb,
                                                disk_gb, ephemeral_gb, swap_mb, rxtx_factor,
                                                is_public, extra_specs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ImageRecord, id, name, status, visibility,
                                                disk_format, container_format, owner, is_protected,
                                                os_hidden, min_ram, min_disk, tags, created_at,
                                                updated_at, properties)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ServerRecord, id, name, project_id, user_id, status,
                                                vm_state, task, host, provider_uuid, image_id,
                                                image_properties, flavor, metadata,
                                                viommu_requested, viommu_resolved, fault_message,
                                                fault_code, fault_created, created, updated,
                                                launched_at, power_state, allocation_held,
                                                allocations, availability_zone, lease_owner,
                                                lease_expires, forced_host)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HostRecord, name, id, facts, last_report_unix,
                                                uptime, default_zone, pci_owners)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AggregateRecord, id, uuid, name, hosts, metadata,
                                                created_at, updated_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ServiceRecord, host, id, number, disabled,
                                                disabled_reason, forced_down, updated_at)

std::string_view serverTaskName(ServerTask task) {
  switch (task) {
    case ServerTask::kNone:
      return "";
    case ServerTask::kScheduling:
      return "scheduling";
    case ServerTask::kSpawning:
      return "spawning";
    case ServerTask::kDeleting:
      return "deleting";
    case ServerTask::kPoweringOff:
      return "powering-off";
    case ServerTask::kPoweringOn:
      return "powering-on";
    case ServerTask::kRebooting:
      return "rebooting";
    case ServerTask::kRebootingHard:
      return "rebooting_hard";
    case ServerTask::kPausing:
      return "pausing";
    case ServerTask::kUnpausing:
      return "unpausing";
    case ServerTask::kSuspending:
      return "suspending";
    case ServerTask::kResuming:
      return "resuming";
  }
  return "";
}

nlohmann::json toDoc(const FlavorRecord& r) {
  return r;
}
nlohmann::json toDoc(const ServerRecord& r) {
  return r;
}
nlohmann::json toDoc(const HostRecord& r) {
  return r;
}
nlohmann::json toDoc(const ServiceRecord& r) {
  return r;
}
ServiceRecord serviceFromDoc(const nlohmann::json& doc) {
  return doc.get<ServiceRecord>();
}
nlohmann::json toDoc(const AggregateRecord& r) {
  return r;
}
AggregateRecord aggregateFromDoc(const nlohmann::json& doc) {
  return doc.get<AggregateRecord>();
}
nlohmann::json toDoc(const ImageRecord& r) {
  nlohmann::json doc = r;
  // std::optional is not covered by the macro.
  doc["size"] = r.size ? nlohmann::json(*r.size) : nlohmann::json();
  return doc;
}
FlavorRecord flavorFromDoc(const nlohmann::json& doc) {
  return doc.get<FlavorRecord>();
}
ServerRecord serverFromDoc(const nlohmann::json& doc) {
  return doc.get<ServerRecord>();
}
HostRecord hostFromDoc(const nlohmann::json& doc) {
  return doc.get<HostRecord>();
}
ImageRecord imageFromDoc(const nlohmann::json& doc) {
  ImageRecord r = doc.get<ImageRecord>();
  if (doc.contains("size") && doc["size"].is_number_integer())
    r.size = doc["size"].get<std::int64_t>();
  return r;
}

std::string isoNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace stratus::api
