#include "api/server_state.h"

#include <algorithm>
#include <array>
#include <vector>

namespace stratus::api {
namespace {

constexpr std::string_view kAllowedActions =
    "os-start, os-stop, pause, reboot, resume, suspend, unpause";
constexpr std::string_view kRebootTypes = "HARD, Hard, hard, SOFT, Soft, soft";

// One row of the table: from which vm_states and tasks the action may start, and which
// task it stores. Tasks other than kNone appear only where Nova lets a hard reboot
// overtake a running power task.
struct Rule {
  ServerAction action;
  std::vector<std::string_view> vm_states;
  std::vector<ServerTask> tasks;
  ServerTask task;
};

const std::vector<Rule>& rules() {
  static const std::vector<Rule> table = {
      {ServerAction::kStop, {"active", "error"}, {ServerTask::kNone}, ServerTask::kPoweringOff},
      {ServerAction::kStart, {"stopped"}, {ServerTask::kNone}, ServerTask::kPoweringOn},
      {ServerAction::kRebootSoft, {"active"}, {ServerTask::kNone}, ServerTask::kRebooting},
      {ServerAction::kRebootHard,
       {"active", "stopped", "paused", "suspended", "error"},
       {ServerTask::kNone, ServerTask::kRebooting, ServerTask::kRebootingHard, ServerTask::kPausing,
        ServerTask::kUnpausing, ServerTask::kSuspending, ServerTask::kResuming},
       ServerTask::kRebootingHard},
      {ServerAction::kPause, {"active"}, {ServerTask::kNone}, ServerTask::kPausing},
      {ServerAction::kUnpause, {"paused"}, {ServerTask::kNone}, ServerTask::kUnpausing},
      {ServerAction::kSuspend, {"active"}, {ServerTask::kNone}, ServerTask::kSuspending},
      {ServerAction::kResume, {"suspended"}, {ServerTask::kNone}, ServerTask::kResuming},
  };
  return table;
}

const Rule& ruleFor(ServerAction action) {
  for (const Rule& r : rules()) {
    if (r.action == action) return r;
  }
  return rules().front();  // every action has a row
}

template <typename T, typename F>
std::string joinedBy(const std::vector<T>& items, F name) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += name(item);
  }
  return out;
}

std::string taskText(ServerTask t) {
  return t == ServerTask::kNone ? "none" : std::string(serverTaskName(t));
}

}  // namespace

Result<ServerAction> parseServerAction(const nlohmann::json& body) {
  if (!body.is_object() || body.size() != 1) {
    std::string keys;
    if (body.is_object()) {
      for (const auto& [k, v] : body.items()) keys += (keys.empty() ? "" : ",") + k;
    }
    return Error::invalid("action", keys, std::string(kAllowedActions),
                          "the body must name exactly one action");
  }
  const std::string& key = body.begin().key();
  const nlohmann::json& value = body.begin().value();
  static const std::array<std::pair<std::string_view, ServerAction>, 6> simple = {{
      {"os-stop", ServerAction::kStop},
      {"os-start", ServerAction::kStart},
      {"pause", ServerAction::kPause},
      {"unpause", ServerAction::kUnpause},
      {"suspend", ServerAction::kSuspend},
      {"resume", ServerAction::kResume},
  }};
  for (const auto& [name, action] : simple) {
    if (key == name) return action;  // Nova reads nothing of these actions' values
  }
  if (key != "reboot") {
    return Error::invalid("action", key, std::string(kAllowedActions),
                          "Stratus does not carry out this server action");
  }
  if (!value.is_object()) {
    return Error::invalid("reboot", value.dump(), R"({"type": "SOFT"} or {"type": "HARD"})",
                          "it must be an object");
  }
  for (const auto& [k, v] : value.items()) {
    if (k != "type") {
      return Error::invalid("reboot." + k, v.dump(), "reboot.type only",
                            "reboot takes no such field");
    }
  }
  if (!value.contains("type")) {
    return Error::invalid("reboot.type", "", std::string(kRebootTypes), "it is required");
  }
  const nlohmann::json& type = value["type"];
  const std::string text = type.is_string() ? type.get<std::string>() : type.dump();
  if (text == "SOFT" || text == "Soft" || text == "soft") return ServerAction::kRebootSoft;
  if (text == "HARD" || text == "Hard" || text == "hard") return ServerAction::kRebootHard;
  return Error::invalid("reboot.type", text, std::string(kRebootTypes));
}

std::string_view serverActionName(ServerAction action) {
  switch (action) {
    case ServerAction::kStop:
      return "os-stop";
    case ServerAction::kStart:
      return "os-start";
    case ServerAction::kRebootSoft:
      return "reboot (SOFT)";
    case ServerAction::kRebootHard:
      return "reboot (HARD)";
    case ServerAction::kPause:
      return "pause";
    case ServerAction::kUnpause:
      return "unpause";
    case ServerAction::kSuspend:
      return "suspend";
    case ServerAction::kResume:
      return "resume";
  }
  return "";
}

std::string vmStateOf(const ServerRecord& s) {
  // The boot path sets status alone; its BUILD and ERROR win over a vm_state.
  if (s.status == "BUILD") return "building";
  if (s.status == "ERROR") return "error";
  return s.vm_state.empty() ? "active" : s.vm_state;
}

std::string statusFor(std::string_view vm_state, ServerTask task) {
  if (vm_state == "active") {
    if (task == ServerTask::kRebooting) return "REBOOT";
    if (task == ServerTask::kRebootingHard) return "HARD_REBOOT";
    return "ACTIVE";
  }
  if (vm_state == "stopped") return "SHUTOFF";
  if (vm_state == "paused") return "PAUSED";
  if (vm_state == "suspended") return "SUSPENDED";
  if (vm_state == "error") return "ERROR";
  return "BUILD";
}

std::string displayStatus(const ServerRecord& s) {
  return statusFor(vmStateOf(s), s.task);
}

Result<ServerTask> beginAction(const ServerRecord& s, ServerAction action) {
  const Rule& rule = ruleFor(action);
  const std::string vm_state = vmStateOf(s);
  const std::string what =
      "Cannot " + std::string(serverActionName(action)) + " server " + s.id + ": ";
  if (std::find(rule.vm_states.begin(), rule.vm_states.end(), vm_state) == rule.vm_states.end()) {
    return Error::make(ErrorCode::kConflict,
                       what + "it is in vm_state " + vm_state + "; allowed from vm_state " +
                           joinedBy(rule.vm_states, [](auto v) { return std::string(v); }));
  }
  if (std::find(rule.tasks.begin(), rule.tasks.end(), s.task) == rule.tasks.end()) {
    return Error::make(ErrorCode::kConflict, what + "task_state " + taskText(s.task) +
                                                 " is in progress (vm_state " + vm_state +
                                                 "); allowed with task_state " +
                                                 joinedBy(rule.tasks, taskText));
  }
  if (s.host.empty()) {
    return Error::make(ErrorCode::kConflict, what + "it is in vm_state " + vm_state +
                                                 " on no host, so there is no guest to act on");
  }
  return rule.task;
}

std::optional<std::string> vmStateForPower(const GuestPowerReport& p) {
  switch (p.power_state) {
    case kPowerRunning:
      return "active";
    case kPowerPaused:
      return "paused";
    case kPowerShutdown:
      return p.saved ? "suspended" : "stopped";
    case kPowerCrashed:
      return "stopped";
    case kPowerSuspended:
      return "suspended";
    default:
      return std::nullopt;
  }
}

namespace {
void setVmState(ServerRecord& s, std::string vm_state) {
  s.vm_state = std::move(vm_state);
  s.status = statusFor(s.vm_state, ServerTask::kNone);
}
}  // namespace

bool finishAction(ServerRecord& s, ServerTask task, bool ok, const GuestPowerReport& p) {
  if (s.task != task || task == ServerTask::kNone) return false;
  std::string target;
  switch (task) {
    case ServerTask::kPoweringOff:
      target = "stopped";
      break;
    case ServerTask::kPausing:
      target = "paused";
      break;
    case ServerTask::kSuspending:
      target = "suspended";
      break;
    case ServerTask::kPoweringOn:
    case ServerTask::kRebooting:
    case ServerTask::kRebootingHard:
    case ServerTask::kUnpausing:
    case ServerTask::kResuming:
      target = "active";
      break;
    default:
      return false;  // boot and delete tasks finish elsewhere (api/compute/agent.cpp)
  }
  if (!ok) target = vmStateForPower(p).value_or(vmStateOf(s));
  setVmState(s, target);
  s.task = ServerTask::kNone;
  s.power_state = p.power_state;
  return true;
}

bool syncPowerState(ServerRecord& s, const GuestPowerReport& p) {
  if (s.task != ServerTask::kNone || s.host.empty()) return false;
  const std::string vm_state = vmStateOf(s);
  if (vm_state == "building" || vm_state == "error") return false;
  bool changed = s.power_state != p.power_state;
  s.power_state = p.power_state;
  const bool off = p.power_state == kPowerShutdown || p.power_state == kPowerCrashed;
  if ((vm_state == "active" || vm_state == "paused") && off) {
    setVmState(s, "stopped");
    changed = true;
  } else if (vm_state == "stopped" && p.power_state != kPowerNoState && !off) {
    // Nova stops a guest that runs while its server says stopped, rather than believing it.
    s.task = ServerTask::kPoweringOff;
    changed = true;
  }
  return changed;
}

}  // namespace stratus::api
