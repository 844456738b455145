// The agent's power steps: every action from every guest state, the shutdown and
// soft-reboot timeouts, and the failures' messages.
#include "compute/power_ops.h"

#include <catch2/catch.hpp>

#include "compute/compute_config.h"

using namespace stratus;
using namespace stratus::compute;
using std::chrono::seconds;

namespace {

const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
const GuestPowerInfo kRunning{GuestRun::kRunning, false};
const GuestPowerInfo kPaused{GuestRun::kPaused, false};
const GuestPowerInfo kOff{GuestRun::kShutOff, false};
const GuestPowerInfo kSaved{GuestRun::kShutOff, true};
const GuestPowerInfo kCrashed{GuestRun::kCrashed, false};

GuestOp op(PowerAction a, const GuestPowerInfo& g, const PowerProgress& p = {},
           PowerTimeouts t = {}, std::chrono::steady_clock::time_point now = t0) {
  return nextPowerStep(a, g, p, t, now).op;
}

PowerProgress sentAt(std::chrono::steady_clock::time_point when) {
  PowerProgress p;
  p.shutdown_sent = when;
  return p;
}

}  // namespace

TEST_CASE("power action names are the compute API's task names") {
  for (const char* n :
       {"stop", "start", "reboot", "reboot_hard", "pause", "unpause", "suspend", "resume"}) {
    auto a = parsePowerAction(n);
    REQUIRE(a.ok());
    CHECK(powerActionName(*a) == n);
  }
  auto bad = parsePowerAction("hibernate");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "action='hibernate' is invalid; allowed: stop, start, reboot, reboot_hard, pause, "
        "unpause, suspend, resume");
}

TEST_CASE("Nova's power_state codes for libvirt's states") {
  CHECK(novaPowerState(kRunning) == 1);
  CHECK(novaPowerState(kPaused) == 3);
  CHECK(novaPowerState({GuestRun::kShuttingDown, false}) == 4);
  CHECK(novaPowerState(kOff) == 4);
  CHECK(novaPowerState(kSaved) == 4);  // Nova's libvirt driver: a managed save is shut off
  CHECK(novaPowerState(kCrashed) == 6);
  CHECK(novaPowerState({GuestRun::kPmSuspended, false}) == 7);
  CHECK(novaPowerState({}) == 0);
}

TEST_CASE("stop: a clean shutdown, then destroy once the shutdown timeout has passed") {
  const PowerTimeouts t{seconds(60), seconds(120)};
  CHECK(op(PowerAction::kStop, kRunning, {}, t) == GuestOp::kShutdown);
  CHECK(op(PowerAction::kStop, kRunning, sentAt(t0 - seconds(59)), t) == GuestOp::kWait);
  CHECK(op(PowerAction::kStop, {GuestRun::kShuttingDown, false}, sentAt(t0 - seconds(10)), t) ==
        GuestOp::kWait);
  CHECK(op(PowerAction::kStop, kRunning, sentAt(t0 - seconds(60)), t) == GuestOp::kDestroy);
  CHECK(op(PowerAction::kStop, kOff, sentAt(t0), t) == GuestOp::kDone);
  // A timeout of 0 is Nova's "no clean shutdown"; paused and crashed guests cannot hear ACPI.
  CHECK(op(PowerAction::kStop, kRunning, {}, {seconds(0), seconds(120)}) == GuestOp::kDestroy);
  CHECK(op(PowerAction::kStop, kPaused) == GuestOp::kDestroy);
  CHECK(op(PowerAction::kStop, kCrashed) == GuestOp::kDestroy);
}

TEST_CASE("start: create a shut off guest, unpause a paused one, done when it runs") {
  CHECK(op(PowerAction::kStart, kOff) == GuestOp::kCreate);
  CHECK(op(PowerAction::kStart, kRunning) == GuestOp::kDone);
  CHECK(op(PowerAction::kStart, kPaused) == GuestOp::kUnpause);
  CHECK(op(PowerAction::kStart, kCrashed) == GuestOp::kDestroy);
  PowerProgress created;
  notePowerStep(created, GuestOp::kCreate, t0);
  auto s = nextPowerStep(PowerAction::kStart, kOff, created, {}, t0);
  CHECK(s.op == GuestOp::kFail);
  CHECK(s.why == "start needs the guest to run after its start, but the guest is shut off");
}

TEST_CASE("soft reboot: ACPI shutdown and start again, hard after soft_reboot_timeout") {
  const PowerTimeouts t{seconds(60), seconds(5)};
  PowerProgress p;
  CHECK(op(PowerAction::kRebootSoft, kRunning, p, t) == GuestOp::kShutdown);
  notePowerStep(p, GuestOp::kShutdown, t0);
  CHECK(op(PowerAction::kRebootSoft, kRunning, p, t, t0 + seconds(4)) == GuestOp::kWait);
  // The guest obeyed: start it again.
  CHECK(op(PowerAction::kRebootSoft, kOff, p, t, t0 + seconds(2)) == GuestOp::kCreate);
  // The guest ignored it: the hard way.
  CHECK(op(PowerAction::kRebootSoft, kRunning, p, t, t0 + seconds(5)) == GuestOp::kDestroy);
  notePowerStep(p, GuestOp::kDestroy, t0 + seconds(5));
  CHECK(op(PowerAction::kRebootSoft, kOff, p, t, t0 + seconds(5)) == GuestOp::kCreate);
  notePowerStep(p, GuestOp::kCreate, t0 + seconds(5));
  CHECK(op(PowerAction::kRebootSoft, kRunning, p, t, t0 + seconds(5)) == GuestOp::kDone);
  // A paused guest cannot shut down cleanly; an agent restarted mid-reboot finds it off.
  CHECK(op(PowerAction::kRebootSoft, kPaused) == GuestOp::kDestroy);
  CHECK(op(PowerAction::kRebootSoft, kOff) == GuestOp::kCreate);
}

TEST_CASE("hard reboot: destroy and start, discarding a suspended guest's saved state") {
  PowerProgress p;
  CHECK(op(PowerAction::kRebootHard, kRunning, p) == GuestOp::kDestroy);
  notePowerStep(p, GuestOp::kDestroy, t0);
  CHECK(op(PowerAction::kRebootHard, kOff, p) == GuestOp::kCreate);
  notePowerStep(p, GuestOp::kCreate, t0);
  CHECK(op(PowerAction::kRebootHard, kRunning, p) == GuestOp::kDone);
  CHECK(op(PowerAction::kRebootHard, kSaved) == GuestOp::kDiscardSave);
  CHECK(op(PowerAction::kRebootHard, kOff) == GuestOp::kCreate);
  CHECK(op(PowerAction::kRebootHard, kPaused) == GuestOp::kDestroy);
}

TEST_CASE("pause, unpause, suspend, resume: the one call each, done when already there") {
  CHECK(op(PowerAction::kPause, kRunning) == GuestOp::kPause);
  CHECK(op(PowerAction::kPause, kPaused) == GuestOp::kDone);
  CHECK(op(PowerAction::kUnpause, kPaused) == GuestOp::kUnpause);
  CHECK(op(PowerAction::kUnpause, kRunning) == GuestOp::kDone);
  CHECK(op(PowerAction::kSuspend, kRunning) == GuestOp::kManagedSave);
  CHECK(op(PowerAction::kSuspend, kPaused) == GuestOp::kManagedSave);
  CHECK(op(PowerAction::kSuspend, kSaved) == GuestOp::kDone);
  CHECK(op(PowerAction::kResume, kSaved) == GuestOp::kCreate);
  CHECK(op(PowerAction::kResume, kRunning) == GuestOp::kDone);
  const std::vector<std::tuple<PowerAction, GuestPowerInfo, std::string>> failures = {
      {PowerAction::kPause, kOff, "pause needs a running guest, but the guest is shut off"},
      {PowerAction::kUnpause, kRunning, ""},
      {PowerAction::kUnpause, kOff, "unpause needs a paused guest, but the guest is shut off"},
      {PowerAction::kSuspend, kOff,
       "suspend needs a running or paused guest, but the guest is shut off"},
      {PowerAction::kResume, kCrashed,
       "resume needs a suspended (saved) guest, but the guest is crashed"},
      {PowerAction::kStop,
       {},
       "stop needs a guest libvirt can report on, but the guest is in no state"},
  };
  for (const auto& [action, guest, why] : failures) {
    INFO(powerActionName(action));
    auto s = nextPowerStep(action, guest, {}, {}, t0);
    CHECK((s.op == GuestOp::kFail) == !why.empty());
    CHECK(s.why == why);
  }
}

TEST_CASE("[compute] shutdown_timeout and soft_reboot_timeout: Nova's defaults, whole seconds") {
  AgentConfig defaults;
  CHECK(defaults.power_timeouts.shutdown == seconds(60));
  CHECK(defaults.power_timeouts.soft_reboot == seconds(120));
  const auto load = [](const std::string& text) {
    auto ini = IniConfig::parse(text, "test.conf");
    REQUIRE(ini.ok());
    AgentConfig config;
    auto s = applyIni(*ini, config);
    return std::make_pair(s, config);
  };
  auto [ok, config] = load("[compute]\nshutdown_timeout = 0\nsoft_reboot_timeout = 7\n");
  REQUIRE(ok.ok());
  CHECK(config.power_timeouts.shutdown == seconds(0));
  CHECK(config.power_timeouts.soft_reboot == seconds(7));
  auto [bad, unused] = load("[compute]\nsoft_reboot_timeout = soon\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "[compute] soft_reboot_timeout='soon' is invalid; allowed: a whole number of at least 0");
  auto [negative, unused2] = load("[compute]\nshutdown_timeout = -1\n");
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().message ==
        "[compute] shutdown_timeout='-1' is invalid; allowed: a whole number of at least 0");
}
