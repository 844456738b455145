// The conductor moves servers through their life in the background: it schedules and
// claims new ones, gives back claims that nothing uses any more, and forgets deleted
// servers once their guest is gone. It works only from stored state, so after a
// restart it simply carries on. Several workers ([api] conductor_workers) run the same
// pass; each server is in the hands of one worker at a time (api/conductor_pool.h).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "api/conductor_pool.h"
#include "placement_client/client.h"
#include "scheduler/scheduler.h"

namespace stratus::api {

class Conductor {
 public:
  Conductor(CloudState& state, placement_client::PlacementClient& placement, ApiOptions options);
  ~Conductor();

  // Starts options.conductor_workers threads.
  void start();
  void stop();
  // One pass over every server that needs something and no other worker holds; returns
  // how many it handled. Safe to call from several threads at once.
  int runOnce();

 private:
  void scheduleServer(const std::string& id);
  void releaseAndForget(const std::string& id);
  void releaseFailedClaim(const std::string& id);
  void backOff(const std::string& id, const Error& e);

  CloudState& state_;
  placement_client::PlacementClient& placement_;
  // Names this conductor in server leases (api/server_lease.h); new at every start.
  std::string instance_id_;
  ApiOptions options_;
  scheduler::Scheduler scheduler_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  InFlightSet in_flight_;
  RetrySchedule retry_;
};

}  // namespace stratus::api
