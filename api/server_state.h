// Nova's server state machine as pure functions over a ServerRecord: which power action
// is allowed from which vm_state and task_state, which task it stores, which vm_state it
// ends in, the status the API shows, and what the agent's power-state report changes.
//
// Sources (facts, not code): Nova's compute API check_instance_state decorators (stop
// from active or error, start from stopped, pause/suspend from active, unpause from
// paused, resume from suspended, soft reboot from active, hard reboot from active,
// stopped, paused, suspended or error and also while a soft reboot, pause, unpause,
// suspend or resume runs), nova/api/openstack/common.py's status map (REBOOT and
// HARD_REBOOT only for vm_state active) and nova/compute/manager.py's power-state sync.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/model.h"
#include "common/result.h"

namespace stratus::api {

// Nova's power_state codes (nova/compute/power_state.py).
inline constexpr int kPowerNoState = 0;
inline constexpr int kPowerRunning = 1;
inline constexpr int kPowerPaused = 3;
inline constexpr int kPowerShutdown = 4;
inline constexpr int kPowerCrashed = 6;
inline constexpr int kPowerSuspended = 7;

enum class ServerAction {
  kStop,
  kStart,
  kRebootSoft,
  kRebootHard,
  kPause,
  kUnpause,
  kSuspend,
  kResume
};

// The body of POST /servers/{id}/action: exactly one key, one of os-stop, os-start,
// reboot ({"type": SOFT|HARD in Nova's accepted spellings}), pause, unpause, suspend,
// resume. InvalidArgument naming the key, the value and what is allowed otherwise.
Result<ServerAction> parseServerAction(const nlohmann::json& body);
// "os-stop", "os-start", "reboot" (soft), "reboot --hard", "pause", ...
std::string_view serverActionName(ServerAction action);

// "building", "active", "stopped", "paused", "suspended" or "error".
std::string vmStateOf(const ServerRecord& s);
// The status Nova shows for a vm_state and task: ACTIVE (REBOOT, HARD_REBOOT while
// rebooting), SHUTOFF, PAUSED, SUSPENDED, BUILD, ERROR.
std::string statusFor(std::string_view vm_state, ServerTask task);
std::string displayStatus(const ServerRecord& s);

// The task to store for `action`, or Conflict naming the server's vm_state and task when
// Nova's table does not allow it (or the server has no host to carry it out).
Result<ServerTask> beginAction(const ServerRecord& s, ServerAction action);

// What the agent saw of a guest: Nova's power_state code, and whether libvirt holds a
// managed-save image for it (a suspended guest is shut off with one).
struct GuestPowerReport {
  int power_state = kPowerNoState;
  bool saved = false;
};

// The vm_state a guest in `p` is in, or nullopt when that says nothing (no state).
std::optional<std::string> vmStateForPower(const GuestPowerReport& p);

// The agent finished the server's power task: on success the task's target vm_state
// (powering-off: stopped; pausing: paused; suspending: suspended; others: active), on
// failure the vm_state libvirt shows; the task is cleared and power_state taken from
// `p`. Returns false (and changes nothing) when `task` is not the server's task.
bool finishAction(ServerRecord& s, ServerTask task, bool ok, const GuestPowerReport& p);

// Nova's power-state sync for one server whose agent saw its guest in `p` (NOSTATE when
// the guest is missing). Servers with a task running, building or in error are left
// alone. Otherwise power_state follows the guest and: an active or paused server whose
// guest is shut off or crashed becomes stopped; a stopped server whose guest runs gets
// the powering-off task (Nova calls its stop API); everything else keeps its vm_state.
// Returns whether `s` changed.
bool syncPowerState(ServerRecord& s, const GuestPowerReport& p);

}  // namespace stratus::api
