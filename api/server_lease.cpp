#include "api/server_lease.h"

namespace stratus::api {

bool leaseAvailable(const ServerRecord& s, const std::string& me, std::int64_t now) {
  return s.lease_owner.empty() || s.lease_owner == me || s.lease_expires <= now;
}

void takeLease(ServerRecord& s, const std::string& me, std::int64_t now, std::int64_t ttl) {
  s.lease_owner = me;
  s.lease_expires = now + ttl;
}

bool holdsLease(const ServerRecord& s, const std::string& me) {
  return s.lease_owner == me;
}

void clearLease(ServerRecord& s) {
  s.lease_owner.clear();
  s.lease_expires = 0;
}

bool leaseNeedsRenewal(const ServerRecord& s, std::int64_t now, std::int64_t ttl) {
  return s.lease_expires - now < ttl / 2;
}

Result<std::int64_t> renewLease(CloudState& state, const std::string& id, const std::string& me,
                                std::int64_t now, std::int64_t ttl) {
  auto lock = state.write();
  if (!lock) return lock.takeError();
  auto it = state.servers.find(id);
  if (it == state.servers.end()) {
    return Error::make(ErrorCode::kConflict, "server " + id + ": lease lost: the server is gone");
  }
  if (!holdsLease(it->second, me)) {
    return Error::make(ErrorCode::kConflict,
                       "server " + id + ": lease lost to " +
                           (it->second.lease_owner.empty() ? std::string("nobody (released)")
                                                           : it->second.lease_owner));
  }
  ServerRecord s = it->second;
  takeLease(s, me, now, ttl);
  if (auto st = state.save(s); !st) return st.error();
  if (auto st = lock->commit(); !st) return st.error();
  return s.lease_expires;
}

}  // namespace stratus::api
