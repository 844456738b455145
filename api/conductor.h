// The conductor moves servers through their life in the background: it schedules and
// claims new ones, gives back claims that nothing uses any more, and forgets deleted
// servers once their guest is gone. It works only from stored state, so after a
// restart it simply carries on.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "placement_client/client.h"
#include "scheduler/scheduler.h"

namespace stratus::api {

class Conductor {
 public:
  Conductor(CloudState& state, placement_client::PlacementClient& placement, ApiOptions options);
  ~Conductor();

  void start();
  void stop();
  // One pass over every server that needs something; returns how many it handled.
  int runOnce();

 private:
  void scheduleServer(const std::string& id);
  void releaseAndForget(const std::string& id);
  void releaseFailedClaim(const std::string& id);
  bool due(const std::string& id) const;
  void backOff(const std::string& id, const Error& e);

  CloudState& state_;
  placement_client::PlacementClient& placement_;
  // Names this conductor in server leases (api/server_lease.h); new at every start.
  std::string instance_id_;
  ApiOptions options_;
  scheduler::Scheduler scheduler_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  // Servers whose last attempt met an unavailable peer: not before this time.
  std::map<std::string, std::chrono::steady_clock::time_point> retry_at_;
};

}  // namespace stratus::api
