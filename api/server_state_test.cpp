// Nova's server state machine: the action table, the statuses, the agent's outcomes and
// the power-state sync, each with its exact message.
#include "api/server_state.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::api;
using nlohmann::json;

namespace {

ServerRecord server(const std::string& vm_state, ServerTask task = ServerTask::kNone) {
  ServerRecord s;
  s.id = "11111111-2222-4333-8444-555555555555";
  s.host = "cn1";
  s.status = statusFor(vm_state, ServerTask::kNone);
  s.vm_state = vm_state;
  s.task = task;
  if (vm_state == "error" || vm_state == "building") s.vm_state.clear();
  return s;
}

std::string refusal(const ServerRecord& s, ServerAction a) {
  auto r = beginAction(s, a);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kConflict);
  return r.error().message;
}

}  // namespace

TEST_CASE("action bodies: one action, Nova's names, reboot's type in Nova's spellings") {
  CHECK(*parseServerAction(json::parse(R"({"os-stop": null})")) == ServerAction::kStop);
  CHECK(*parseServerAction(json::parse(R"({"os-start": {}})")) == ServerAction::kStart);
  CHECK(*parseServerAction(json::parse(R"({"pause": null})")) == ServerAction::kPause);
  CHECK(*parseServerAction(json::parse(R"({"unpause": null})")) == ServerAction::kUnpause);
  CHECK(*parseServerAction(json::parse(R"({"suspend": null})")) == ServerAction::kSuspend);
  CHECK(*parseServerAction(json::parse(R"({"resume": null})")) == ServerAction::kResume);
  for (const char* t : {"SOFT", "Soft", "soft"}) {
    CHECK(*parseServerAction(json{{"reboot", {{"type", t}}}}) == ServerAction::kRebootSoft);
  }
  for (const char* t : {"HARD", "Hard", "hard"}) {
    CHECK(*parseServerAction(json{{"reboot", {{"type", t}}}}) == ServerAction::kRebootHard);
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"shelve": null})",
       "action='shelve' is invalid: Stratus does not carry out this server action; allowed: "
       "os-start, os-stop, pause, reboot, resume, suspend, unpause"},
      {R"({})",
       "action='' is invalid: the body must name exactly one action; allowed: os-start, os-stop, "
       "pause, reboot, resume, suspend, unpause"},
      {R"({"pause": null, "os-stop": null})",
       "action='os-stop,pause' is invalid: the body must name exactly one action; allowed: "
       "os-start, os-stop, pause, reboot, resume, suspend, unpause"},
      {R"({"reboot": "HARD"})",
       R"(reboot='"HARD"' is invalid: it must be an object; allowed: {"type": "SOFT"} or {"type": "HARD"})"},
      {R"({"reboot": {}})",
       "reboot.type='' is invalid: it is required; allowed: HARD, Hard, hard, SOFT, Soft, soft"},
      {R"({"reboot": {"type": "WARM"}})",
       "reboot.type='WARM' is invalid; allowed: HARD, Hard, hard, SOFT, Soft, soft"},
      {R"({"reboot": {"type": 1}})",
       "reboot.type='1' is invalid; allowed: HARD, Hard, hard, SOFT, Soft, soft"},
      {R"({"reboot": {"type": "HARD", "force": true}})",
       "reboot.force='true' is invalid: reboot takes no such field; allowed: reboot.type only"},
  };
  for (const auto& [body, message] : bad) {
    INFO(body);
    auto r = parseServerAction(json::parse(body));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK(r.error().message == message);
  }
}

TEST_CASE("the action table: which action starts from which vm_state, storing which task") {
  struct Row {
    ServerAction action;
    std::vector<std::string> from;
    ServerTask task;
  };
  const std::vector<Row> rows = {
      {ServerAction::kStop, {"active", "error"}, ServerTask::kPoweringOff},
      {ServerAction::kStart, {"stopped"}, ServerTask::kPoweringOn},
      {ServerAction::kRebootSoft, {"active"}, ServerTask::kRebooting},
      {ServerAction::kRebootHard,
       {"active", "stopped", "paused", "suspended", "error"},
       ServerTask::kRebootingHard},
      {ServerAction::kPause, {"active"}, ServerTask::kPausing},
      {ServerAction::kUnpause, {"paused"}, ServerTask::kUnpausing},
      {ServerAction::kSuspend, {"active"}, ServerTask::kSuspending},
      {ServerAction::kResume, {"suspended"}, ServerTask::kResuming},
  };
  const std::vector<std::string> all = {"building", "active",    "stopped",
                                        "paused",   "suspended", "error"};
  for (const auto& row : rows) {
    for (const auto& vm : all) {
      INFO(std::string(serverActionName(row.action)) + " from " + vm);
      const bool allowed = std::find(row.from.begin(), row.from.end(), vm) != row.from.end();
      auto r = beginAction(server(vm), row.action);
      CHECK(r.ok() == allowed);
      if (allowed) CHECK(*r == row.task);
    }
  }
}

TEST_CASE("refusals are 409s naming the vm_state or the running task, and what is allowed") {
  CHECK(refusal(server("active"), ServerAction::kStart) ==
        "Cannot os-start server 11111111-2222-4333-8444-555555555555: it is in vm_state active; "
        "allowed from vm_state stopped");
  CHECK(refusal(server("stopped"), ServerAction::kRebootSoft) ==
        "Cannot reboot (SOFT) server 11111111-2222-4333-8444-555555555555: it is in vm_state "
        "stopped; allowed from vm_state active");
  CHECK(refusal(server("building", ServerTask::kSpawning), ServerAction::kStop) ==
        "Cannot os-stop server 11111111-2222-4333-8444-555555555555: it is in vm_state "
        "building; allowed from vm_state active, error");
  CHECK(refusal(server("active", ServerTask::kPoweringOff), ServerAction::kStop) ==
        "Cannot os-stop server 11111111-2222-4333-8444-555555555555: task_state powering-off is "
        "in progress (vm_state active); allowed with task_state none");
  CHECK(refusal(server("active", ServerTask::kDeleting), ServerAction::kRebootHard) ==
        "Cannot reboot (HARD) server 11111111-2222-4333-8444-555555555555: task_state deleting "
        "is in progress (vm_state active); allowed with task_state none, rebooting, "
        "rebooting_hard, pausing, unpausing, suspending, resuming");
  ServerRecord failed = server("error");
  failed.host.clear();  // a boot that failed gives its host back
  CHECK(refusal(failed, ServerAction::kStop) ==
        "Cannot os-stop server 11111111-2222-4333-8444-555555555555: it is in vm_state error on "
        "no host, so there is no guest to act on");
  // A hard reboot may overtake a soft one or a pause, as in Nova.
  CHECK(*beginAction(server("active", ServerTask::kRebooting), ServerAction::kRebootHard) ==
        ServerTask::kRebootingHard);
  CHECK(*beginAction(server("active", ServerTask::kPausing), ServerAction::kRebootHard) ==
        ServerTask::kRebootingHard);
}

TEST_CASE("statuses follow Nova's map: REBOOT and HARD_REBOOT only while active") {
  CHECK(statusFor("active", ServerTask::kNone) == "ACTIVE");
  CHECK(statusFor("active", ServerTask::kRebooting) == "REBOOT");
  CHECK(statusFor("active", ServerTask::kRebootingHard) == "HARD_REBOOT");
  CHECK(statusFor("active", ServerTask::kPoweringOff) == "ACTIVE");
  CHECK(statusFor("stopped", ServerTask::kRebootingHard) == "SHUTOFF");
  CHECK(statusFor("stopped", ServerTask::kPoweringOn) == "SHUTOFF");
  CHECK(statusFor("paused", ServerTask::kUnpausing) == "PAUSED");
  CHECK(statusFor("suspended", ServerTask::kResuming) == "SUSPENDED");
  CHECK(statusFor("error", ServerTask::kNone) == "ERROR");
  CHECK(statusFor("building", ServerTask::kSpawning) == "BUILD");
  // Records from before power actions: ACTIVE with no vm_state reads as active.
  ServerRecord old;
  old.status = "ACTIVE";
  CHECK(vmStateOf(old) == "active");
  CHECK(displayStatus(old) == "ACTIVE");
  old.status = "ERROR";
  old.vm_state = "stopped";  // the boot path's ERROR wins
  CHECK(vmStateOf(old) == "error");
}

TEST_CASE("the agent's outcome: the task's target state, or what libvirt shows on failure") {
  struct Row {
    ServerTask task;
    std::string from;
    GuestPowerReport seen;
    std::string vm_state;
    std::string status;
  };
  const std::vector<Row> ok = {
      {ServerTask::kPoweringOff, "active", {kPowerShutdown, false}, "stopped", "SHUTOFF"},
      {ServerTask::kPoweringOn, "stopped", {kPowerRunning, false}, "active", "ACTIVE"},
      {ServerTask::kRebooting, "active", {kPowerRunning, false}, "active", "ACTIVE"},
      {ServerTask::kRebootingHard, "suspended", {kPowerRunning, false}, "active", "ACTIVE"},
      {ServerTask::kPausing, "active", {kPowerPaused, false}, "paused", "PAUSED"},
      {ServerTask::kUnpausing, "paused", {kPowerRunning, false}, "active", "ACTIVE"},
      {ServerTask::kSuspending, "active", {kPowerShutdown, true}, "suspended", "SUSPENDED"},
      {ServerTask::kResuming, "suspended", {kPowerRunning, false}, "active", "ACTIVE"},
  };
  for (const auto& row : ok) {
    INFO(serverTaskName(row.task));
    ServerRecord s = server(row.from, row.task);
    REQUIRE(finishAction(s, row.task, true, row.seen));
    CHECK(s.vm_state == row.vm_state);
    CHECK(s.status == row.status);
    CHECK(s.task == ServerTask::kNone);
    CHECK(s.power_state == row.seen.power_state);
  }
  // A failed suspend of a guest that still runs: active again, running.
  ServerRecord s = server("active", ServerTask::kSuspending);
  REQUIRE(finishAction(s, ServerTask::kSuspending, false, {kPowerRunning, false}));
  CHECK(displayStatus(s) == "ACTIVE");
  CHECK(s.power_state == kPowerRunning);
  // A failed start with no guest to look at keeps the vm_state it had.
  s = server("stopped", ServerTask::kPoweringOn);
  REQUIRE(finishAction(s, ServerTask::kPoweringOn, false, {kPowerNoState, false}));
  CHECK(displayStatus(s) == "SHUTOFF");
  // An event for a task the server no longer has (deleted, or overtaken) changes nothing.
  s = server("active", ServerTask::kRebootingHard);
  CHECK_FALSE(finishAction(s, ServerTask::kRebooting, true, {kPowerRunning, false}));
  CHECK(s.task == ServerTask::kRebootingHard);
  s = server("active", ServerTask::kDeleting);
  CHECK_FALSE(finishAction(s, ServerTask::kDeleting, true, {kPowerShutdown, false}));
}

TEST_CASE("power-state sync: Nova's rules for guests that changed behind the API's back") {
  // Shut down from inside: SHUTOFF.
  ServerRecord s = server("active");
  s.power_state = kPowerRunning;
  CHECK(syncPowerState(s, {kPowerShutdown, false}));
  CHECK(displayStatus(s) == "SHUTOFF");
  CHECK(s.power_state == kPowerShutdown);
  CHECK(s.task == ServerTask::kNone);
  // Crashed, or a paused guest destroyed: stopped as well.
  s = server("active");
  CHECK(syncPowerState(s, {kPowerCrashed, false}));
  CHECK(vmStateOf(s) == "stopped");
  s = server("paused");
  CHECK(syncPowerState(s, {kPowerShutdown, false}));
  CHECK(vmStateOf(s) == "stopped");
  // Running while the server says stopped: Nova stops it again.
  s = server("stopped");
  s.power_state = kPowerShutdown;
  CHECK(syncPowerState(s, {kPowerRunning, false}));
  CHECK(vmStateOf(s) == "stopped");
  CHECK(s.task == ServerTask::kPoweringOff);
  // Paused behind the API's back: Nova only records the power state.
  s = server("active");
  s.power_state = kPowerRunning;
  CHECK(syncPowerState(s, {kPowerPaused, false}));
  CHECK(vmStateOf(s) == "active");
  CHECK(s.power_state == kPowerPaused);
  // The guest is missing: NOSTATE, vm_state kept.
  s = server("active");
  s.power_state = kPowerRunning;
  CHECK(syncPowerState(s, {kPowerNoState, false}));
  CHECK(vmStateOf(s) == "active");
  CHECK(s.power_state == kPowerNoState);
  // A suspended guest is shut off with a saved image: as it should be.
  s = server("suspended");
  s.power_state = kPowerShutdown;
  CHECK_FALSE(syncPowerState(s, {kPowerShutdown, true}));
  CHECK(vmStateOf(s) == "suspended");
  // In agreement: nothing to store.
  s = server("active");
  s.power_state = kPowerRunning;
  CHECK_FALSE(syncPowerState(s, {kPowerRunning, false}));
  // A task in progress, a build or an error: left alone, as Nova skips them.
  for (ServerRecord t : {server("active", ServerTask::kPoweringOff),
                         server("building", ServerTask::kSpawning), server("error")}) {
    t.power_state = kPowerRunning;
    CHECK_FALSE(syncPowerState(t, {kPowerShutdown, false}));
    CHECK(t.power_state == kPowerRunning);
  }
}
