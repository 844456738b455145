#include "compute/api_client.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace stratus::compute {

using nlohmann::json;

namespace {
// " 10:54:51 up 3 days,  2:05,  0 users,  load average: 0.20, 0.12, 0.14", the shape
// `uptime` prints and Nova reports, from /proc.
std::string uptimeText() {
  double up = 0;
  std::array<double, 3> load = {0, 0, 0};
  if (std::FILE* f = std::fopen("/proc/uptime", "r")) {
    if (std::fscanf(f, "%lf", &up) != 1) up = 0;
    std::fclose(f);
  }
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
      load[0] = load[1] = load[2] = 0;
    std::fclose(f);
  }
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  const long total_min = static_cast<long>(up) / 60;
  const long days = total_min / (24L * 60L);
  std::array<char, 160> buf{};
  std::snprintf(
      buf.data(), buf.size(),
      " %02d:%02d:%02d up %ld day%s, %2ld:%02ld,  0 users,  load average: %.2f, %.2f, %.2f",
      tm.tm_hour, tm.tm_min, tm.tm_sec, days, days == 1 ? "" : "s", (total_min / 60) % 24,
      total_min % 60, load[0], load[1], load[2]);
  return buf.data();
}
}  // namespace

Result<std::unique_ptr<ComputeApiClient>> ComputeApiClient::create(const std::string& base_url,
                                                                   const std::string& token) {
  rest::JsonClientOptions options;
  options.base_url = base_url;
  options.service_name = "compute API";
  options.headers["Accept"] = "application/json";
  options.headers["X-Auth-Token"] = token;
  options.error_text = [](const json& body) -> std::string {
    // Nova's shape: {"badRequest": {"code": 400, "message": "..."}}
    if (body.is_object() && body.size() == 1 && body.begin()->is_object()) {
      return body.begin()->value("message", std::string());
    }
    return {};
  };
  auto client = rest::JsonClient::create(std::move(options));
  if (!client) return client.takeError();
  return std::unique_ptr<ComputeApiClient>(new ComputeApiClient(std::move(*client)));
}

Status ComputeApiClient::reportHost(const std::string& host, const std::string& provider_uuid,
                                    const json& facts, const std::string& availability_zone,
                                    const std::map<std::string, std::string>& pci_owners) {
  json body{{"provider_uuid", provider_uuid},
            {"facts", facts},
            {"uptime", uptimeText()},
            {"pci_owners", pci_owners}};
  if (!availability_zone.empty()) body["availability_zone"] = availability_zone;
  auto r = client_->call("PUT", "/stratus/v1/hosts/" + host, body);
  if (!r) return r.takeError();
  return okStatus();
}

Result<HostWork> ComputeApiClient::work(const std::string& host) {
  auto r = client_->call("GET", "/stratus/v1/hosts/" + host + "/tasks");
  if (!r) return r.takeError();
  HostWork out;
  try {
    for (const json& s : r->body.at("placed")) out.placed.insert(s.get<std::string>());
    for (const json& t : r->body.at("tasks")) {
      AgentTask task;
      task.server_id = t.at("server_id").get<std::string>();
      task.action = t.at("action").get<std::string>();
      task.instance_name = t.at("instance_name").get<std::string>();
      if (task.action == "spawn") {
        const json& f = t.at("flavor");
        task.flavor.name = task.instance_name;
        task.flavor.vcpus = f.at("vcpus").get<unsigned>();
        task.flavor.ram_mib = f.at("ram").get<std::uint64_t>();
        task.flavor.disk_gib = f.at("disk").get<std::uint64_t>();
        task.flavor.extra_specs = f.at("extra_specs").get<std::map<std::string, std::string>>();
        task.image = t.at("image_properties").get<virt::ImageProperties>();
        // Older APIs send none; a guest without PCI devices needs none.
        task.allocations = t.value("allocations", json::object());
      }
      out.tasks.push_back(std::move(task));
    }
  } catch (const json::exception& e) {
    return Error::make(
        ErrorCode::kUnavailable,
        std::string("compute API answered work in an unexpected shape: ") + e.what());
  }
  return out;
}

Status ComputeApiClient::reportEvent(const std::string& server_id, const std::string& action,
                                     bool ok, const std::string& host, const std::string& message,
                                     const std::string& resolved_model) {
  json body = {
      {"action", action}, {"result", ok ? "ok" : "error"}, {"host", host}, {"message", message}};
  if (!resolved_model.empty()) body["resolved_model"] = resolved_model;
  auto r = client_->call("POST", "/stratus/v1/servers/" + server_id + "/events", body);
  if (!r) return r.takeError();
  return okStatus();
}

Status ComputeApiClient::reportPowerEvent(const std::string& server_id, const std::string& action,
                                          bool ok, const std::string& host,
                                          const std::string& message, int power_state, bool saved) {
  json body = {{"action", action},   {"result", ok ? "ok" : "error"}, {"host", host},
               {"message", message}, {"power_state", power_state},    {"saved", saved}};
  auto r = client_->call("POST", "/stratus/v1/servers/" + server_id + "/events", body);
  if (!r) return r.takeError();
  return okStatus();
}

Status ComputeApiClient::reportPowerStates(const std::string& host, const json& guests) {
  auto r =
      client_->call("PUT", "/stratus/v1/hosts/" + host + "/power-states", json{{"guests", guests}});
  if (!r) return r.takeError();
  return okStatus();
}

}  // namespace stratus::compute
