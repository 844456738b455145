#include "compute/power_worker.h"

#include "common/log.h"

namespace stratus::compute {

PowerWorker::Outcome PowerWorker::advance(const std::string& server_id,
                                          const std::string& instance_name, PowerAction action,
                                          std::chrono::steady_clock::time_point now) {
  auto [it, added] = in_progress_.try_emplace(server_id, Entry{action, {}});
  if (!added && it->second.action != action) it->second = Entry{action, {}};
  Entry& entry = it->second;
  Outcome out;
  const auto finish = [&](bool ok, std::string message) {
    out.finished = true;
    out.ok = ok;
    out.message = std::move(message);
    in_progress_.erase(server_id);
    return out;
  };
  // Each action takes at most four steps (discard, create, unpause, done); more means
  // the guest is not doing what the steps expect.
  for (int i = 0; i < 8; ++i) {
    auto info = guests_.powerInfo(instance_name);
    if (!info) {
      if (info.error().code == ErrorCode::kNotFound) {
        return finish(false, "there is no guest " + instance_name + " on this host");
      }
      out.message = info.error().message;
      return out;
    }
    out.power = *info;
    const PowerStep step = nextPowerStep(action, *info, entry.progress, timeouts_, now);
    switch (step.op) {
      case GuestOp::kWait:
        return out;
      case GuestOp::kDone:
        return finish(true, "");
      case GuestOp::kFail:
        return finish(false, step.why);
      default:
        break;
    }
    logLine("server " + server_id + ": " + std::string(powerActionName(action)) + ": " +
            std::string(guestOpName(step.op)) + " (guest " + std::string(guestRunName(info->run)) +
            ")");
    if (auto s = guests_.applyPowerOp(instance_name, step.op); !s) {
      if (s.error().code == ErrorCode::kUnavailable) {
        out.message = s.error().message;
        return out;
      }
      if (auto again = guests_.powerInfo(instance_name)) out.power = *again;
      return finish(false, s.error().message);
    }
    notePowerStep(entry.progress, step.op, now);
  }
  return finish(false, std::string(powerActionName(action)) + " did not settle: the guest is " +
                           std::string(guestRunName(out.power.run)));
}

void PowerWorker::retain(const std::set<std::string>& server_ids) {
  std::erase_if(in_progress_, [&](const auto& e) { return !server_ids.contains(e.first); });
}

}  // namespace stratus::compute
