#include "compute/power_ops.h"

#include <array>
#include <utility>

namespace stratus::compute {
namespace {

constexpr std::array<std::pair<PowerAction, std::string_view>, 8> kNames = {{
    {PowerAction::kStop, "stop"},
    {PowerAction::kStart, "start"},
    {PowerAction::kRebootSoft, "reboot"},
    {PowerAction::kRebootHard, "reboot_hard"},
    {PowerAction::kPause, "pause"},
    {PowerAction::kUnpause, "unpause"},
    {PowerAction::kSuspend, "suspend"},
    {PowerAction::kResume, "resume"},
}};

PowerStep step(GuestOp op) {
  return {op, {}};
}

PowerStep fail(PowerAction action, const GuestPowerInfo& guest, std::string_view needs) {
  std::string why = std::string(powerActionName(action)) + " needs " + std::string(needs) +
                    ", but the guest is " + std::string(guestRunName(guest.run));
  if (guest.saved) why += " with a saved state";
  return {GuestOp::kFail, why};
}

bool stillRunning(GuestRun run) {
  return run == GuestRun::kRunning || run == GuestRun::kShuttingDown;
}

bool expired(const PowerProgress& progress, std::chrono::seconds timeout,
             std::chrono::steady_clock::time_point now) {
  return progress.shutdown_sent && now - *progress.shutdown_sent >= timeout;
}

// After a reboot stopped the guest (or found it stopped): start it and see it run.
PowerStep restart(PowerAction action, const GuestPowerInfo& guest, const PowerProgress& progress) {
  switch (guest.run) {
    case GuestRun::kRunning:
      return step(GuestOp::kDone);
    case GuestRun::kPaused:
      return step(GuestOp::kUnpause);
    case GuestRun::kShuttingDown:
      return step(GuestOp::kWait);
    case GuestRun::kShutOff:
      if (progress.created) return fail(action, guest, "the guest to run after its start");
      // A hard reboot boots afresh: Nova's hard reboot drops a suspended guest's memory.
      if (guest.saved && action == PowerAction::kRebootHard) return step(GuestOp::kDiscardSave);
      return step(GuestOp::kCreate);
    default:
      return fail(action, guest, "the guest to run after its start");
  }
}

}  // namespace

Result<PowerAction> parsePowerAction(std::string_view name) {
  for (const auto& [action, n] : kNames) {
    if (n == name) return action;
  }
  return Error::invalid("action", std::string(name),
                        "stop, start, reboot, reboot_hard, pause, unpause, suspend, resume");
}

std::string_view powerActionName(PowerAction action) {
  for (const auto& [a, n] : kNames) {
    if (a == action) return n;
  }
  return "";
}

int novaPowerState(const GuestPowerInfo& info) {
  switch (info.run) {
    case GuestRun::kRunning:
      return 1;
    case GuestRun::kPaused:
      return 3;
    case GuestRun::kShuttingDown:
    case GuestRun::kShutOff:
      return 4;
    case GuestRun::kCrashed:
      return 6;
    case GuestRun::kPmSuspended:
      return 7;
    case GuestRun::kNoState:
      return 0;
  }
  return 0;
}

std::string_view guestRunName(GuestRun run) {
  switch (run) {
    case GuestRun::kRunning:
      return "running";
    case GuestRun::kPaused:
      return "paused";
    case GuestRun::kShuttingDown:
      return "shutting down";
    case GuestRun::kShutOff:
      return "shut off";
    case GuestRun::kCrashed:
      return "crashed";
    case GuestRun::kPmSuspended:
      return "pm-suspended";
    case GuestRun::kNoState:
      return "in no state";
  }
  return "";
}

std::string_view guestOpName(GuestOp op) {
  switch (op) {
    case GuestOp::kWait:
      return "wait";
    case GuestOp::kShutdown:
      return "shutdown";
    case GuestOp::kDestroy:
      return "destroy";
    case GuestOp::kCreate:
      return "create";
    case GuestOp::kPause:
      return "pause";
    case GuestOp::kUnpause:
      return "unpause";
    case GuestOp::kManagedSave:
      return "managed save";
    case GuestOp::kDiscardSave:
      return "discard saved state";
    case GuestOp::kDone:
      return "done";
    case GuestOp::kFail:
      return "fail";
  }
  return "";
}

PowerStep nextPowerStep(PowerAction action, const GuestPowerInfo& guest,
                        const PowerProgress& progress, const PowerTimeouts& timeouts,
                        std::chrono::steady_clock::time_point now) {
  const GuestRun run = guest.run;
  if (run == GuestRun::kNoState) return fail(action, guest, "a guest libvirt can report on");
  switch (action) {
    case PowerAction::kStop:
      if (run == GuestRun::kShutOff) return step(GuestOp::kDone);
      // A paused, crashed or pm-suspended guest cannot take an ACPI request.
      if (!stillRunning(run) || timeouts.shutdown.count() == 0) return step(GuestOp::kDestroy);
      if (!progress.shutdown_sent) return step(GuestOp::kShutdown);
      return step(expired(progress, timeouts.shutdown, now) ? GuestOp::kDestroy : GuestOp::kWait);
    case PowerAction::kStart:
      if (run == GuestRun::kCrashed) return step(GuestOp::kDestroy);
      if (run == GuestRun::kPmSuspended) return fail(action, guest, "a shut off guest");
      return restart(action, guest, progress);
    case PowerAction::kRebootHard:
      if (progress.cycled || run == GuestRun::kShutOff) return restart(action, guest, progress);
      return step(GuestOp::kDestroy);
    case PowerAction::kRebootSoft:
      if (progress.cycled || run == GuestRun::kShutOff) return restart(action, guest, progress);
      if (!stillRunning(run) || timeouts.soft_reboot.count() == 0) return step(GuestOp::kDestroy);
      if (!progress.shutdown_sent) return step(GuestOp::kShutdown);
      // The guest ignored the ACPI request (or has no OS to hear it): the hard way.
      return step(expired(progress, timeouts.soft_reboot, now) ? GuestOp::kDestroy
                                                               : GuestOp::kWait);
    case PowerAction::kPause:
      if (run == GuestRun::kPaused) return step(GuestOp::kDone);
      if (run == GuestRun::kRunning) return step(GuestOp::kPause);
      return fail(action, guest, "a running guest");
    case PowerAction::kUnpause:
      if (run == GuestRun::kRunning) return step(GuestOp::kDone);
      if (run == GuestRun::kPaused) return step(GuestOp::kUnpause);
      return fail(action, guest, "a paused guest");
    case PowerAction::kSuspend:
      if (run == GuestRun::kShutOff && guest.saved) return step(GuestOp::kDone);
      if (run == GuestRun::kRunning || run == GuestRun::kPaused) return step(GuestOp::kManagedSave);
      return fail(action, guest, "a running or paused guest");
    case PowerAction::kResume:
      if (run == GuestRun::kShutOff || run == GuestRun::kRunning || run == GuestRun::kPaused)
        return restart(action, guest, progress);
      return fail(action, guest, "a suspended (saved) guest");
  }
  return fail(action, guest, "a known action");
}

void notePowerStep(PowerProgress& progress, GuestOp op, std::chrono::steady_clock::time_point now) {
  switch (op) {
    case GuestOp::kShutdown:
      if (!progress.shutdown_sent) progress.shutdown_sent = now;
      break;
    case GuestOp::kDestroy:
      progress.cycled = true;
      break;
    case GuestOp::kCreate:
      progress.created = true;
      progress.cycled = true;
      break;
    default:
      break;
  }
}

}  // namespace stratus::compute
