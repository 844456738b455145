// Carries out the power tasks the compute API hands an agent (stop, start, reboot, pause,
// unpause, suspend, resume), a step at a time (compute/power_ops.h), and reads the power
// state of every managed guest for the API's power-state sync.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "compute/guest_driver.h"
#include "compute/power_ops.h"

namespace stratus::compute {

class PowerWorker {
 public:
  // `guests` outlives the worker.
  PowerWorker(GuestDriver& guests, PowerTimeouts timeouts) : guests_(guests), timeouts_(timeouts) {}

  struct Outcome {
    bool finished = false;  // false: look again next pass (waiting, or libvirt unreachable)
    bool ok = false;
    std::string message;   // a failure, or why the pass could not go on
    GuestPowerInfo power;  // the guest as it is at the end of this pass
  };
  // Takes as many steps of `action` on the guest as can be taken now. An action other
  // than the one in progress for this server starts afresh (a hard reboot overtaking).
  Outcome advance(const std::string& server_id, const std::string& instance_name,
                  PowerAction action, std::chrono::steady_clock::time_point now);
  // Forgets the progress of servers that have no power task any more.
  void retain(const std::set<std::string>& server_ids);

 private:
  struct Entry {
    PowerAction action;
    PowerProgress progress;
  };
  GuestDriver& guests_;
  PowerTimeouts timeouts_;
  std::map<std::string, Entry> in_progress_;
};

}  // namespace stratus::compute
