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

}  // namespace stratus::api
