// The agent's power actions as a pure step function: from the action, what the guest
// looks like now and what this agent already did for it, the next thing to do to the
// guest. The agent applies the step, looks again and repeats; "wait" ends the pass and
// the next pass carries on, so a slow ACPI shutdown never blocks other servers' work.
// Progress lives in memory only: an agent restarted mid-action begins the action again
// from the guest's real state, which every action below tolerates.
//
// The operations follow Nova's libvirt driver: stop is a clean shutdown (ACPI), then a
// destroy when the guest has not stopped after `shutdown` (Nova's [DEFAULT]
// shutdown_timeout, 60 s); a soft reboot is a clean shutdown and a start, falling back to
// the hard way after `soft_reboot` (Nova's [libvirt] wait_soft_reboot_seconds, 120 s);
// a hard reboot destroys and starts again (a suspended guest's saved image is discarded
// first); pause and unpause suspend and resume the vCPUs; suspend is a managed save and
// resume a start, which restores it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::compute {

enum class PowerAction {
  kStop,
  kStart,
  kRebootSoft,
  kRebootHard,
  kPause,
  kUnpause,
  kSuspend,
  kResume
};

// The task names the compute API sends: stop, start, reboot, reboot_hard, pause, unpause,
// suspend, resume. InvalidArgument otherwise.
Result<PowerAction> parsePowerAction(std::string_view name);
std::string_view powerActionName(PowerAction action);

// libvirt's domain states, as far as the steps care.
enum class GuestRun {
  kNoState,
  kRunning,
  kPaused,
  kShuttingDown,
  kShutOff,
  kCrashed,
  kPmSuspended
};

struct GuestPowerInfo {
  GuestRun run = GuestRun::kNoState;
  bool saved = false;  // libvirt holds a managed-save image (a suspended guest)
  bool operator==(const GuestPowerInfo&) const = default;
};

// Nova's power_state code for a guest (its libvirt driver's mapping): running 1, paused 3,
// shutting down or shut off 4, crashed 6, pm-suspended 7, otherwise 0.
int novaPowerState(const GuestPowerInfo& info);
// "running", "paused", "shutting down", "shut off", "crashed", "pm-suspended", "no state"
std::string_view guestRunName(GuestRun run);

enum class GuestOp {
  kWait,         // nothing now; look again next pass
  kShutdown,     // ask the guest to power off (ACPI)
  kDestroy,      // power off at once
  kCreate,       // start (restores a managed-save image when there is one)
  kPause,        // suspend the vCPUs
  kUnpause,      // resume the vCPUs
  kManagedSave,  // save memory to disk and stop
  kDiscardSave,  // remove the managed-save image
  kDone,         // the action is complete
  kFail,         // the action cannot complete; `why` says why
};
std::string_view guestOpName(GuestOp op);

struct PowerProgress {
  std::optional<std::chrono::steady_clock::time_point> shutdown_sent;
  bool cycled = false;   // reboot: the guest was stopped (or found stopped) by this action
  bool created = false;  // a start was issued by this action
};

struct PowerTimeouts {
  std::chrono::seconds shutdown{60};
  std::chrono::seconds soft_reboot{120};
};

struct PowerStep {
  GuestOp op = GuestOp::kWait;
  std::string why;  // kFail: the reason, naming the guest's state
};

PowerStep nextPowerStep(PowerAction action, const GuestPowerInfo& guest,
                        const PowerProgress& progress, const PowerTimeouts& timeouts,
                        std::chrono::steady_clock::time_point now);

// Records in `progress` that `op` was applied at `now`.
void notePowerStep(PowerProgress& progress, GuestOp op, std::chrono::steady_clock::time_point now);

}  // namespace stratus::compute
