// Which conductor schedules a server when several stratus-api instances share one
// database: the first to take the server's lease, inside a write scope (so two
// instances cannot both see it free). A lease names its owner (an instance id made at
// start) and when it expires (unix seconds); an expired lease is anyone's, which is
// how a boot left by a conductor that died mid-way is taken over. The new owner gives
// back any claim first (placement consumer = server id, so this finds the dead
// conductor's claim), then schedules afresh.
//
// A conductor that is alive but slow is fenced twice over. Before each claim it renews
// its lease when less than half the TTL remains (renewLease), and abandons the pass,
// claiming nothing, once another took the lease. A claim it sent before it could know
// may still land after the new owner's give-back; the new owner's own claim then meets
// placement's "consumer generation conflict" and gives that claim back and claims again
// (scheduler::Scheduler::scheduleAndClaim). The late owner records nothing: holdsLease.
#pragma once

#include <cstdint>
#include <string>

#include "api/cloud_state.h"
#include "api/model.h"
#include "common/result.h"

namespace stratus::api {

// Long enough for one scheduling pass (a candidates query and one claim), so a live
// owner is rarely overtaken; short enough that a dead owner's boot waits little.
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
// True when less than half of `ttl` remains at `now` (or it has run out).
bool leaseNeedsRenewal(const ServerRecord& s, std::int64_t now,
                       std::int64_t ttl = kServerLeaseSeconds);

// In a write scope of its own: when `me` still holds server `id`'s lease, moves its
// expiry to now + ttl, commits, and returns the new expiry. kConflict "server ID:
// lease lost to OWNER" when another conductor holds it (or the pass ended elsewhere,
// e.g. the server is gone); kUnavailable when the database cannot be written.
Result<std::int64_t> renewLease(CloudState& state, const std::string& id, const std::string& me,
                                std::int64_t now, std::int64_t ttl = kServerLeaseSeconds);

}  // namespace stratus::api
