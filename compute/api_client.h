// The agent's side of the compute API's /stratus/v1 endpoints: report the host, take
// the work for it, say what became of each server.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "rest/json_client.h"
#include "virt/guest_request.h"

namespace stratus::compute {

struct AgentTask {
  std::string server_id;
  std::string action;  // "spawn", "delete", or a power action (compute/power_ops.h)
  std::string instance_name;
  virt::Flavor flavor;  // spawn: name is the instance name
  virt::ImageProperties image;
  // spawn: the claimed allocation, {"<provider uuid>": {"resources": {"<RC>": N}}}: the
  // compute node and, for PCI passthrough, the device providers it draws from.
  nlohmann::json allocations = nlohmann::json::object();
};

struct HostWork {
  std::vector<AgentTask> tasks;
  std::set<std::string> placed;  // every server the API places on some host
};

class ComputeApiClient {
 public:
  static Result<std::unique_ptr<ComputeApiClient>> create(const std::string& base_url,
                                                          const std::string& token);
  // `availability_zone`: the agent's default zone, sent when not empty. `pci_owners`:
  // which server owns which PCI device address (the spawner's record), for the API's
  // hypervisor view.
  Status reportHost(const std::string& host, const std::string& provider_uuid,
                    const nlohmann::json& facts, const std::string& availability_zone = {},
                    const std::map<std::string, std::string>& pci_owners = {});
  Result<HostWork> work(const std::string& host);
  Status reportEvent(const std::string& server_id, const std::string& action, bool ok,
                     const std::string& host, const std::string& message,
                     const std::string& resolved_model = {});
  // A power action's outcome with the guest's power state (Nova's code) at its end.
  Status reportPowerEvent(const std::string& server_id, const std::string& action, bool ok,
                          const std::string& host, const std::string& message, int power_state,
                          bool saved);
  // {"<server id>": {"power_state": N, "saved": bool}} for every managed guest seen.
  Status reportPowerStates(const std::string& host, const nlohmann::json& guests);

 private:
  explicit ComputeApiClient(std::unique_ptr<rest::JsonClient> client)
      : client_(std::move(client)) {}
  std::unique_ptr<rest::JsonClient> client_;
};

}  // namespace stratus::compute
