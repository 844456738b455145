// Server actions (Nova's servers.py action handlers for os-stop, os-start, reboot, pause,
// unpause, suspend, resume): the state change is checked against Nova's table
// (api/server_state.h) and stored, then answered 202; the server's agent carries it out
// on the guest and reports back (agent.cpp).
#include "api/compute/handlers.h"
#include "api/server_state.h"

namespace stratus::api::compute {

Reply serverAction(const Context& c, const HttpRequest& r, const PathParams& p) {
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  auto action = parseServerAction(*doc);
  if (!action) return action.takeError();
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto it = c.state.servers.find(p[0]);
  if (it == c.state.servers.end() || (!r.auth.admin && it->second.project_id != r.auth.project_id))
    return Error::make(ErrorCode::kNotFound, "Instance " + p[0] + " could not be found.");
  ServerRecord s = it->second;
  auto task = beginAction(s, *action);
  if (!task) return task.takeError();
  s.task = *task;
  s.updated = isoNow();
  if (auto st = c.state.save(s); !st) return storeFailure(st.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  c.state.work.notify_all();
  return emptyResponse(202);
}

}  // namespace stratus::api::compute
