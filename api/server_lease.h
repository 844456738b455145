// Which conductor schedules a server when several stratus-api instances share one
// database: the first to take the server's lease, inside a write scope (so two
// instances cannot both see it free). A lease names its owner (an instance id made at
// start) and when it expires (unix seconds); an expired lease is anyone's, which is
// how a boot left by a conductor that died mid-way is taken over. The new owner gives
// back any claim first (placement consumer = server id, so this finds the dead
// conductor's claim), then schedules afresh. Pure functions over the record.
#pragma once

#include <cstdint>
#include <string>

#include "api/model.h"

namespace stratus::api {

// Long enough for one scheduling pass (a candidates query and one claim), so a live
// owner is never overtaken; short enough that a dead owner's boot waits little.
inline constexpr std::int64_t kServerLeaseSeconds = 60;

// True when `me` may take (or already holds) the lease at `now`.
bool leaseAvailable(const ServerRecord& s, const std::string& me, std::int64_t now);
// Sets the owner and the expiry (now + ttl).
void takeLease(ServerRecord& s, const std::string& me, std::int64_t now,
               std::int64_t ttl = kServerLeaseSeconds);
// True when nobody took the lease over from `me`: the result of its pass may be stored
// (an expired lease still held is fine: nobody else has scheduled the server).
bool holdsLease(const ServerRecord& s, const std::string& me);
void clearLease(ServerRecord& s);

}  // namespace stratus::api
