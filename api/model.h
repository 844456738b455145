// The API's records: flavors, images, servers, compute hosts and their services, as
// plain values.
// Stored as JSON documents (doc_store.h); rendered to Nova's and Glance's shapes by the
// API handlers, not here.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stratus::api {

struct FlavorRecord {
  std::string id;
  std::string name;
  std::string description;  // empty: null
  unsigned vcpus = 1;
  std::uint64_t ram_mb = 0;
  std::uint64_t disk_gb = 0;
  std::int64_t ephemeral_gb = 0;
  std::int64_t swap_mb = 0;
  double rxtx_factor = 1.0;
  bool is_public = true;
  std::map<std::string, std::string> extra_specs;
};

struct ImageRecord {
  std::string id;
  std::string name;
  std::string status = "queued";  // queued -> active once data arrived
  std::string visibility = "shared";
  std::string disk_format;
  std::string container_format;
  std::string owner;
  bool is_protected = false;
  bool os_hidden = false;
  std::int64_t min_ram = 0;
  std::int64_t min_disk = 0;
  std::optional<std::int64_t> size;
  std::vector<std::string> tags;
  std::string created_at;
  std::string updated_at;
  std::map<std::string, std::string> properties;  // every other top-level key
};

// Where a server is in its life. Every change is stored before it is acted on, so a
// restart of the API or an agent resumes from here.
enum class ServerTask {
  kNone,
  kScheduling,  // in the conductor's hands: choose a host and claim
  kSpawning,    // on `host`: its agent defines and starts the guest
  kDeleting,    // its agent (if it has a host) removes the guest, then the allocation goes
  // Power actions (api/server_state.h): on `host`, its agent changes the guest's power
  // state and reports; named as Nova's task_state values.
  kPoweringOff,
  kPoweringOn,
  kRebooting,      // soft: ACPI shutdown and start again, hard after a timeout
  kRebootingHard,  // destroy and start again
  kPausing,
  kUnpausing,
  kSuspending,
  kResuming,
};

struct ServerRecord {
  std::string id;
  std::string name;
  std::string project_id;
  std::string user_id;
  // BUILD and ERROR as the boot path sets them; otherwise the status of `vm_state` with
  // no task (ACTIVE, SHUTOFF, PAUSED, SUSPENDED). What the API shows is
  // displayStatus() (api/server_state.h), which also reads the task.
  std::string status = "BUILD";
  // Nova's vm_state once the server is ACTIVE or later: active, stopped, paused,
  // suspended. Empty in records stored before power actions existed: read as "active".
  std::string vm_state;
  ServerTask task = ServerTask::kScheduling;
  std::string host;
  std::string provider_uuid;
  std::string image_id;
  std::map<std::string, std::string> image_properties;  // as at boot time
  FlavorRecord flavor;                                  // as at boot time
  std::map<std::string, std::string> metadata;
  std::string viommu_requested;
  std::string viommu_resolved;
  std::string fault_message;
  int fault_code = 0;
  std::string fault_created;
  std::string created;
  std::string updated;
  std::string launched_at;
  int power_state = 0;           // Nova's codes: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN...
  bool allocation_held = false;  // placement holds an allocation for it that must go
  // The claimed allocation, {"<provider uuid>": {"resources": {"<RC>": N}}}: the compute
  // node and any PCI device providers; the agent turns the latter into devices. Records
  // stored before it existed read as {}.
  nlohmann::json allocations = nlohmann::json::object();
  // The zone asked for at create ("": none); the zone shown is the host's, once placed.
  std::string availability_zone;
  // Which conductor is scheduling it, until when (unix s): api/server_lease.h.
  std::string lease_owner;
  std::int64_t lease_expires = 0;
  // The host availability_zone "ZONE:HOST" (or ::NODE) forced at create (api/zone_request.h);
  // "": the scheduler chooses.
  std::string forced_host;

  std::string instanceName() const { return "stratus-" + id; }
};

struct HostRecord {
  std::string name;
  std::string id;  // the hypervisor id: the resource provider's UUID
  nlohmann::json facts;
  std::int64_t last_report_unix = 0;
  std::string uptime;  // as `uptime` prints it on the host, at its last report
  // The agent's [DEFAULT] default_availability_zone ("": the API's default, "nova").
  std::string default_zone;
  // PCI device address -> the server that owns it, as the agent's record says at its
  // last report (compute/pci_ownership.h); {} before agents sent it.
  std::map<std::string, std::string> pci_owners;
};

// A host aggregate (Nova's os-aggregates), mirrored into placement as the provider
// aggregate `uuid` on each member host's root provider. Its availability zone is the
// metadata key "availability_zone", as in Nova.
struct AggregateRecord {
  int id = 0;  // Nova's aggregate ids are integers
  std::string uuid;
  std::string name;
  std::vector<std::string> hosts;  // host names, in order of addition
  std::map<std::string, std::string> metadata;
  std::string created_at;
  std::string updated_at;  // empty: null
};

// The nova-compute service of one compute host (Nova's os-services): made at the host's
// first report, kept across restarts; what an operator set on it lives here, never in
// the agent's report. Up or down is not stored: it follows from the host's heartbeat.
struct ServiceRecord {
  std::string host;  // the key: one service per compute host
  std::string id;    // its UUID (2.53 ids): the host's resource provider UUID
  int number = 0;    // the integer id clients before 2.53 see: 1, 2, ... in order of creation
  bool disabled = false;
  std::string disabled_reason;  // empty: null
  bool forced_down = false;     // an operator fenced it (2.11): down whatever the heartbeat
  std::string updated_at;       // the last operator change, "2026-11-21T10:45:16Z"
};

// "", "scheduling", "spawning", "deleting", then Nova's task_state names: "powering-off",
// "powering-on", "rebooting", "rebooting_hard", "pausing", "unpausing", "suspending",
// "resuming".
std::string_view serverTaskName(ServerTask task);

nlohmann::json toDoc(const FlavorRecord& r);
nlohmann::json toDoc(const ImageRecord& r);
nlohmann::json toDoc(const ServerRecord& r);
nlohmann::json toDoc(const HostRecord& r);
nlohmann::json toDoc(const ServiceRecord& r);
nlohmann::json toDoc(const AggregateRecord& r);
FlavorRecord flavorFromDoc(const nlohmann::json& doc);
ImageRecord imageFromDoc(const nlohmann::json& doc);
ServerRecord serverFromDoc(const nlohmann::json& doc);
HostRecord hostFromDoc(const nlohmann::json& doc);
ServiceRecord serviceFromDoc(const nlohmann::json& doc);
AggregateRecord aggregateFromDoc(const nlohmann::json& doc);

// "2026-11-21T10:45:16Z"
std::string isoNow();
std::int64_t unixNow();

}  // namespace stratus::api
