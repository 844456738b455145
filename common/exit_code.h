// How an Error becomes a process exit code, for every binary (stratus,
// stratus-placement, stratus-api, stratus-compute): a rejected request or
// configuration -> 2 (bad input, or input this host or state cannot honour),
// anything else (a peer down, libvirt refusing, an internal fault) -> 1.
#pragma once

#include "common/error.h"

namespace stratus {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

inline int exitCodeFor(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kFailedPrecondition
             ? kExitUsage
             : kExitFailure;
}

}  // namespace stratus
